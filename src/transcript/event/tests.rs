use super::*;

#[test]
fn every_action_parses_back_and_has_its_members() {
    for a in Action::ALL {
        assert_eq!(Action::parse(a.as_str()), Some(*a));
    }
    assert_eq!(Action::ALL.len(), 29);
    assert_eq!(Action::parse("csr_checked"), None);
    assert_eq!(Action::Seal.members(), ["head", "public_key", "signature"]);
    assert!(Action::KeyWiped.members().is_empty());
    assert!(CrlPrepared::MEMBERS.contains(&CrlPrepared::FORM_MARKER));
    assert!(!CrlPreparedFirstForm::MEMBERS.contains(&CrlPrepared::FORM_MARKER));
    assert!(PreviousCrlChecked::MEMBERS.contains(&PreviousCrlChecked::FORM_MARKER));
    let first = PreviousCrlCheckedFirstForm::MEMBERS;
    assert!(!first.contains(&PreviousCrlChecked::FORM_MARKER));
}

fn time(s: &str) -> UtcTime {
    UtcTime::parse(s).unwrap()
}

fn sorted_keys(v: &Value) -> Vec<&str> {
    let mut got: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    got.sort_unstable();
    got
}

#[test]
fn members_are_the_serialised_names() {
    let v = Event::from(CsrChecked {
        csr_sha256: String::new(),
        file: String::new(),
        hash_source: HashSource::Typed,
        key_type: String::new(),
        profile: ProfileRef {
            file: String::new(),
            name: String::new(),
            sha256: String::new(),
        },
        requested_extensions: Vec::new(),
        sha256: String::new(),
        spki_sha256: String::new(),
        subject: String::new(),
    })
    .details()
    .unwrap();
    let mut want = CsrChecked::MEMBERS.to_vec();
    want.sort_unstable();
    assert_eq!(sorted_keys(&v), want);
    assert_eq!(v["hash_source"], "typed");
    // None is written as null (the seal's signature aside); times as TIME20.
    let v = Event::from(CrlPrepared {
        carried_forward: 0,
        crl_number: String::new(),
        next_update: time("2029-02-01T00:00:00Z"),
        revoked: None,
        revoked_count: 0,
        revoked_sha256: String::new(),
        tbs_sha256: String::new(),
        this_update: time("2029-01-02T03:04:05Z"),
    })
    .details()
    .unwrap();
    assert_eq!(v["revoked"], Value::Null);
    assert_eq!(v["this_update"], "2029-01-02T03:04:05Z");
    let v = Event::from(Seal {
        head: String::new(),
        public_key: String::new(),
        signature: None,
    })
    .details()
    .unwrap();
    assert!(v.get("signature").is_none());
}

#[test]
fn the_preflight_clock_keeps_its_milliseconds() {
    let at =
        std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(1_830_249_296_789);
    let p = Preflight {
        clock: UtcTime::clock(at).unwrap(),
        core_dumps_disabled: true,
        host: "h".into(),
        kernel: "k".into(),
        memory_locked: true,
        network_interfaces_up: Vec::new(),
        output_filesystem: "tmpfs".into(),
        persistent_output_allowed: false,
        printer: None,
        process_dumpable: false,
        swap_active: false,
    };
    let v = serde_json::to_value(&p).unwrap();
    assert_eq!(v["clock"], "2027-12-31T10:34:56.789Z");
    let mut want = Preflight::MEMBERS.to_vec();
    want.sort_unstable();
    assert_eq!(sorted_keys(&v), want);
}
