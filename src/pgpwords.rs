//! The PGP word list ("biometric word list", PGPfone 1995; Juola & Zimmermann), used to read
//! hashes aloud: each byte becomes one word, so two people can compare a fingerprint or a TBS
//! hash by voice without misreading hex.
//!
//! There are two lists of 256 words each, in the published order (index = byte value): bytes
//! at even positions (0, 2, 4, …) take a two-syllable word from
//! [`EVEN`](crate::pgpwords::EVEN), bytes at odd positions (1, 3, 5, …) a three-syllable word
//! from [`ODD`](crate::pgpwords::ODD). Alternating the lists makes a swapped, repeated or
//! skipped word audible. Spelling and capitalisation follow the published list (PGPfone; also
//! on Wikipedia, "PGP word list"); `docs/formats.md`, "PGP words".

/// The words for `bytes`, one per byte: [`EVEN`] at even positions, [`ODD`] at odd positions.
pub fn encode(bytes: &[u8]) -> Vec<&'static str> {
    bytes
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if i % 2 == 0 {
                EVEN[usize::from(b)]
            } else {
                ODD[usize::from(b)]
            }
        })
        .collect()
}

/// The words for `bytes` as display lines of `per_line` words joined by single spaces (the
/// last line may be shorter; `per_line` 0 is treated as 1). Word positions are those of
/// [`encode`]: the list alternation continues across lines.
pub fn grouped(bytes: &[u8], per_line: usize) -> Vec<String> {
    encode(bytes)
        .chunks(per_line.max(1))
        .map(|c| c.join(" "))
        .collect()
}

/// The two-syllable words, for bytes at even positions (0, 2, 4, …); index = byte value.
#[rustfmt::skip]
pub const EVEN: [&str; 256] = [
    "aardvark", "absurd", "accrue", "acme", "adrift", "adult", "afflict", "ahead", "aimless",
    "Algol", "allow", "alone", "ammo", "ancient", "apple", "artist", "assume", "Athens",
    "atlas", "Aztec", "baboon", "backfield", "backward", "banjo", "beaming", "bedlamp",
    "beehive", "beeswax", "befriend", "Belfast", "berserk", "billiard", "bison", "blackjack",
    "blockade", "blowtorch", "bluebird", "bombast", "bookshelf", "brackish", "breadline",
    "breakup", "brickyard", "briefcase", "Burbank", "button", "buzzard", "cement", "chairlift",
    "chatter", "checkup", "chisel", "choking", "chopper", "Christmas", "clamshell", "classic",
    "classroom", "cleanup", "clockwork", "cobra", "commence", "concert", "cowbell", "crackdown",
    "cranky", "crowfoot", "crucial", "crumpled", "crusade", "cubic", "dashboard", "deadbolt",
    "deckhand", "dogsled", "dragnet", "drainage", "dreadful", "drifter", "dropper", "drumbeat",
    "drunken", "Dupont", "dwelling", "eating", "edict", "egghead", "eightball", "endorse",
    "endow", "enlist", "erase", "escape", "exceed", "eyeglass", "eyetooth", "facial", "fallout",
    "flagpole", "flatfoot", "flytrap", "fracture", "framework", "freedom", "frighten",
    "gazelle", "Geiger", "glitter", "glucose", "goggles", "goldfish", "gremlin", "guidance",
    "hamlet", "highchair", "hockey", "indoors", "indulge", "inverse", "involve", "island",
    "jawbone", "keyboard", "kickoff", "kiwi", "klaxon", "locale", "lockup", "merit", "minnow",
    "miser", "Mohawk", "mural", "music", "necklace", "Neptune", "newborn", "nightbird",
    "Oakland", "obtuse", "offload", "optic", "orca", "payday", "peachy", "pheasant", "physique",
    "playhouse", "Pluto", "preclude", "prefer", "preshrunk", "printer", "prowler", "pupil",
    "puppy", "python", "quadrant", "quiver", "quota", "ragtime", "ratchet", "rebirth", "reform",
    "regain", "reindeer", "rematch", "repay", "retouch", "revenge", "reward", "rhythm",
    "ribcage", "ringbolt", "robust", "rocker", "ruffled", "sailboat", "sawdust", "scallion",
    "scenic", "scorecard", "Scotland", "seabird", "select", "sentence", "shadow", "shamrock",
    "showgirl", "skullcap", "skydive", "slingshot", "slowdown", "snapline", "snapshot",
    "snowcap", "snowslide", "solo", "southward", "soybean", "spaniel", "spearhead", "spellbind",
    "spheroid", "spigot", "spindle", "spyglass", "stagehand", "stagnate", "stairway",
    "standard", "stapler", "steamship", "sterling", "stockman", "stopwatch", "stormy", "sugar",
    "surmount", "suspense", "sweatband", "swelter", "tactics", "talon", "tapeworm", "tempest",
    "tiger", "tissue", "tonic", "topmost", "tracker", "transit", "trauma", "treadmill",
    "Trojan", "trouble", "tumor", "tunnel", "tycoon", "uncut", "unearth", "unwind", "uproot",
    "upset", "upshot", "vapor", "village", "virus", "Vulcan", "waffle", "wallet", "watchword",
    "wayside", "willow", "woodlark", "Zulu",
];

/// The three-syllable words, for bytes at odd positions (1, 3, 5, …); index = byte value.
#[rustfmt::skip]
pub const ODD: [&str; 256] = [
    "adroitness", "adviser", "aftermath", "aggregate", "alkali", "almighty", "amulet",
    "amusement", "antenna", "applicant", "Apollo", "armistice", "article", "asteroid",
    "Atlantic", "atmosphere", "autopsy", "Babylon", "backwater", "barbecue", "belowground",
    "bifocals", "bodyguard", "bookseller", "borderline", "bottomless", "Bradbury", "bravado",
    "Brazilian", "breakaway", "Burlington", "businessman", "butterfat", "Camelot", "candidate",
    "cannonball", "Capricorn", "caravan", "caretaker", "celebrate", "cellulose", "certify",
    "chambermaid", "Cherokee", "Chicago", "clergyman", "coherence", "combustion", "commando",
    "company", "component", "concurrent", "confidence", "conformist", "congregate", "consensus",
    "consulting", "corporate", "corrosion", "councilman", "crossover", "crucifix", "cumbersome",
    "customer", "Dakota", "decadence", "December", "decimal", "designing", "detector",
    "detergent", "determine", "dictator", "dinosaur", "direction", "disable", "disbelief",
    "disruptive", "distortion", "document", "embezzle", "enchanting", "enrollment",
    "enterprise", "equation", "equipment", "escapade", "Eskimo", "everyday", "examine",
    "existence", "exodus", "fascinate", "filament", "finicky", "forever", "fortitude",
    "frequency", "gadgetry", "Galveston", "getaway", "glossary", "gossamer", "graduate",
    "gravity", "guitarist", "hamburger", "Hamilton", "handiwork", "hazardous", "headwaters",
    "hemisphere", "hesitate", "hideaway", "holiness", "hurricane", "hydraulic", "impartial",
    "impetus", "inception", "indigo", "inertia", "infancy", "inferno", "informant", "insincere",
    "insurgent", "integrate", "intention", "inventive", "Istanbul", "Jamaica", "Jupiter",
    "leprosy", "letterhead", "liberty", "maritime", "matchmaker", "maverick", "Medusa",
    "megaton", "microscope", "microwave", "midsummer", "millionaire", "miracle", "misnomer",
    "molasses", "molecule", "Montana", "monument", "mosquito", "narrative", "nebula",
    "newsletter", "Norwegian", "October", "Ohio", "onlooker", "opulent", "Orlando",
    "outfielder", "Pacific", "pandemic", "Pandora", "paperweight", "paragon", "paragraph",
    "paramount", "passenger", "pedigree", "Pegasus", "penetrate", "perceptive", "performance",
    "pharmacy", "phonetic", "photograph", "pioneer", "pocketful", "politeness", "positive",
    "potato", "processor", "provincial", "proximate", "puberty", "publisher", "pyramid",
    "quantity", "racketeer", "rebellion", "recipe", "recover", "repellent", "replica",
    "reproduce", "resistor", "responsive", "retraction", "retrieval", "retrospect", "revenue",
    "revival", "revolver", "sandalwood", "sardonic", "Saturday", "savagery", "scavenger",
    "sensation", "sociable", "souvenir", "specialist", "speculate", "stethoscope", "stupendous",
    "supportive", "surrender", "suspicious", "sympathy", "tambourine", "telephone", "therapist",
    "tobacco", "tolerance", "tomorrow", "torpedo", "tradition", "travesty", "trombonist",
    "truncated", "typewriter", "ultimate", "undaunted", "underfoot", "unicorn", "unify",
    "universe", "unravel", "upcoming", "vacancy", "vagabond", "vertigo", "Virginia", "visitor",
    "vocalist", "voyager", "warranty", "Waterloo", "whimsical", "Wichita", "Wilmington",
    "Wyoming", "yesteryear", "Yucatan",
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// The example from the Wikipedia article "PGP word list".
    #[test]
    fn wikipedia_example() {
        let bytes = hex::decode("E58294F2E9A227486E8B061B31CC528FD7FA3F19").unwrap();
        assert_eq!(
            encode(&bytes).join(" "),
            "topmost Istanbul Pluto vagabond treadmill Pacific brackish dictator goldfish Medusa \
             afflict bravado chatter revolver Dupont midsummer stopwatch whimsical cowbell bottomless"
        );
    }

    #[test]
    fn list_ends_and_alternation() {
        assert_eq!(
            encode(&[0x00, 0x00, 0xff, 0xff]),
            ["aardvark", "adroitness", "Zulu", "Yucatan"]
        );
        // The same byte gives a different word at an odd position.
        assert_eq!(encode(&[0x42, 0x42]), [EVEN[0x42], ODD[0x42]]);
        assert_ne!(EVEN[0x42], ODD[0x42]);
        assert!(encode(&[]).is_empty());
    }

    #[test]
    fn words_are_ascii_letters_and_unique_across_both_lists() {
        let mut seen = HashSet::new();
        for w in EVEN.iter().chain(ODD.iter()) {
            assert!(
                !w.is_empty() && w.bytes().all(|b| b.is_ascii_alphabetic()),
                "{w:?}"
            );
            // Unique even ignoring case: a listener cannot hear capitals.
            assert!(seen.insert(w.to_ascii_lowercase()), "{w} appears twice");
        }
        assert_eq!(seen.len(), 512);
        // The published lists are alphabetical, except "applicant" before "Apollo" (0x09/0x0A
        // of the odd list), as PGPfone has them.
        let sorted = |l: &[&str]| {
            l.windows(2)
                .filter(|w| w[0].to_ascii_lowercase() > w[1].to_ascii_lowercase())
                .count()
        };
        assert_eq!(sorted(&EVEN), 0);
        assert_eq!(sorted(&ODD), 1);
        assert_eq!((ODD[9], ODD[10]), ("applicant", "Apollo"));
    }

    #[test]
    fn grouped_lines() {
        let bytes = hex::decode("E58294F2E9").unwrap();
        assert_eq!(
            grouped(&bytes, 2),
            ["topmost Istanbul", "Pluto vagabond", "treadmill"]
        );
        assert_eq!(grouped(&bytes, 0).len(), 5);
        assert!(grouped(&[], 4).is_empty());
    }
}
