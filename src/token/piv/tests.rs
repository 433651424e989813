//! Unit tests of the slot and object id checks.

use super::*;

#[test]
fn slots_and_objects_are_checked() {
    assert_eq!(slot_of(&KeyRef(vec![0x82])).unwrap(), 0x82);
    assert_eq!(slot_of(&KeyRef(vec![0x9d])).unwrap(), 0x9d);
    for bad in [vec![0x9a], vec![0x81], vec![0x96], vec![], vec![0x82, 0]] {
        let e = slot_of(&KeyRef(bad)).unwrap_err();
        assert_eq!(e.kind, Kind::TokenSlot);
        assert!(e.to_string().contains("not a slot for a share key"), "{e}");
    }
    assert_eq!(object_of(&[0x5f, 0x00, 0x01]).unwrap(), 0x5f_0001);
    assert_eq!(object_of(&[0x5f, 0xfe, 0xff]).unwrap(), 0x5f_feff);
    let e = object_of(&[0x5f, 0xc1, 0x09]).unwrap_err().to_string();
    assert!(
        e.starts_with("PIV data object 5fc109: a PIV standard object"),
        "{e}"
    );
    let e = object_of(&[0x5f, 0xff, 0x00]).unwrap_err().to_string();
    assert!(
        e.contains("5fff00: one of the YubiKey's own objects"),
        "{e}"
    );
    assert_eq!(object_of(&[0x5e, 0, 1]).unwrap_err().kind, Kind::TokenSlot);
    assert!(object_of(&[0x5f, 1]).is_err());
}
