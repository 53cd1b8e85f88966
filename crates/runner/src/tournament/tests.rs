//! Tournament files: loading, validation messages, the schedule and seeds.

use std::path::Path;

use super::*;

fn load_yaml(yaml: &str) -> Result<Tournament, ConfigError> {
    load_str(yaml, Path::new("t.yaml"), &[])
}

#[test]
fn placeholder() {
    assert!(load_yaml("participants: [random, random]\ngames: [poker]\n").is_err());
}
