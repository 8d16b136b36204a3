//! Test connector built against a contract this host does not speak: a future
//! `interop:connector@1.0.0` whose `describe` changed shape. It is built the way a future SDK
//! would build it — the exported interface carries the version, and the core module carries
//! the SDK's `interop:contract-version` stamp — so the host must refuse it by reading those
//! marks, before compiling, with a message naming the versions it supports.

wit_bindgen::generate!({
    inline: r#"
        package interop:connector@1.0.0;

        interface connector {
            record connector-info {
                id: string,
                contract-version: string,
                capabilities: list<string>,
            }
            describe: func() -> connector-info;
            check: func() -> result<string, string>;
            search: func(query: string) -> result<list<string>, string>;
            fetch: func(id: string) -> result<string, string>;
            submit: func(entity: string) -> result<string, string>;
        }

        world next {
            export connector;
        }
    "#,
});

use exports::interop::connector::connector::{ConnectorInfo, Guest};

#[unsafe(link_section = "interop:contract-version")]
#[used]
static CONTRACT_VERSION: [u8; 5] = *b"1.0.0";

#[unsafe(link_section = "interop:sdk-version")]
#[used]
static SDK_VERSION: [u8; 5] = *b"1.0.0";

struct Next;

impl Guest for Next {
    fn describe() -> ConnectorInfo {
        ConnectorInfo {
            id: "guest-contract-next".into(),
            contract_version: "1.0.0".into(),
            capabilities: vec!["search".into()],
        }
    }
    fn check() -> Result<String, String> {
        Ok("ok".into())
    }
    fn search(_query: String) -> Result<Vec<String>, String> {
        Ok(Vec::new())
    }
    fn fetch(id: String) -> Result<String, String> {
        Err(format!("{id}: not found"))
    }
    fn submit(_entity: String) -> Result<String, String> {
        Err("not supported".into())
    }
}

export!(Next);
