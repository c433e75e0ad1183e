//! Every JSON document unitguard prints validates against its schema in schemas/ (JSON Schema
//! 2020-12, checked with the `jsonschema` crate), on real outputs: audit (scored, failed and
//! the listing), lint (findings and a load failure), explain, and denials lines.

use std::path::Path;

use serde_json::Value;

use crate::support::*;

fn schema(name: &str) -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("schemas")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let value: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    jsonschema::draft202012::new(&value).unwrap_or_else(|e| panic!("{path:?} is no schema: {e}"))
}

#[track_caller]
fn assert_valid(validator: &jsonschema::Validator, doc: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: {}\n{doc:#}", errors.join("\n"));
}

fn run(root: &Path, args: &[&str]) -> Value {
    let out = ug(args).current_dir(root).output();
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?} does not print JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// A plain unit, one with a typo, a removed directive and a bad value, and a masked one.
fn tree() -> Root {
    let r = Root::os();
    r.unit("plain.service", "[Service]\nExecStart=/bin/true\n")
        .unit(
            "typo.service",
            "[Service]\nExecStart=/bin/true\nProtectSytem=strict\nMemoryLimit=1G\nPrivateTmp=maybe\n",
        )
        .unit("masked.service", "");
    r
}

#[test]
fn audit_document_follows_its_schema() {
    let t = tree();
    let _s = t.snapshots().bind_to_scope();
    let root = t.path().display().to_string();
    let v = schema("audit.schema.json");
    let doc = run(
        t.path(),
        &[
            "audit",
            "--offline",
            "--root",
            &root,
            "--json",
            "plain.service",
            "gone.service",
            "masked.service",
        ],
    );
    assert_valid(&v, &doc, "audit units");
    assert_eq!(doc["units"].as_array().unwrap().len(), 3);
    insta::assert_json_snapshot!("audit_document", doc);
    let listing = run(
        t.path(),
        &["audit", "--offline", "--root", &root, "--format", "json"],
    );
    assert_valid(&v, &listing, "audit listing");
    // The schema is strict: a wrong document does not pass.
    let mut wrong = doc.clone();
    wrong["units"][0]["exposure"] = Value::from(96);
    assert!(
        !v.is_valid(&wrong),
        "an exposure of 96 (tenths) must not validate"
    );
}

#[test]
fn lint_document_follows_its_schema() {
    let t = tree();
    let _s = t.snapshots().bind_to_scope();
    let root = t.path().display().to_string();
    let v = schema("lint.schema.json");
    let doc = run(
        t.path(),
        &[
            "lint",
            "--root",
            &root,
            "--format",
            "json",
            "typo.service",
            "gone.service",
        ],
    );
    assert_valid(&v, &doc, "lint");
    insta::assert_json_snapshot!("lint_document", doc);
    let rules: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    for r in ["UG000", "UG009", "UG011", "UG013"] {
        assert!(rules.contains(&r), "{r} missing: {rules:?}");
    }
}

#[test]
fn explain_document_follows_its_schema_and_gain_is_an_exposure() {
    let t = tree();
    let _s = t.snapshots().bind_to_scope();
    let root = t.path().display().to_string();
    let doc = run(
        t.path(),
        &["explain", "--root", &root, "--json", "plain.service"],
    );
    assert_valid(&schema("explain.schema.json"), &doc, "explain");
    // gain is on the exposure scale: no single directive takes off more than the exposure.
    insta::assert_json_snapshot!("explain_document", doc);
    let exposure = doc["exposure"].as_f64().unwrap();
    let gains: Vec<f64> = doc["advice"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["gain"].as_f64())
        .collect();
    assert!(!gains.is_empty());
    assert!(
        gains.iter().all(|g| (0.0..=exposure).contains(g)),
        "{gains:?} vs {exposure}"
    );
    assert!(
        gains.iter().any(|g| *g >= 1.0),
        "the best directive takes off a whole point: {gains:?}"
    );
}

#[test]
fn denial_lines_follow_their_schema() {
    let v = schema("denial.schema.json");
    let lines = [
        "nginx.service: Failed to set up mount namespacing: /run/systemd/unit-root/srv/x: No such file or directory",
        r#"audit: type=1326 audit(1.2:3): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=1 comm="nginx" exe="/usr/sbin/nginx" sig=31 arch=c000003e syscall=50 compat=0 ip=0x0 code=0x0"#,
    ];
    let mut docs = Vec::new();
    for text in lines {
        let line = unitguard::denials::LogLine {
            timestamp: Some(1_700_000_000_000_000),
            unit: Some("nginx.service".into()),
            source: "journal".into(),
            message: text.into(),
            ..Default::default()
        };
        let d = unitguard::denials::recognise(&line).expect("a denial");
        let doc: Value = serde_json::from_str(&unitguard::report::json::denial_line(&d)).unwrap();
        assert_valid(&v, &doc, text);
        assert_eq!(doc["message"], text);
        docs.push(doc);
    }
    insta::assert_json_snapshot!("denial_lines", docs);
}
