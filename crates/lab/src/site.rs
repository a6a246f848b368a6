//! The lab's website: the page under `site/`, embedded so that an installed binary can
//! publish it, and the `config.js` that tells the page where the lab's API is.

/// Written by `up` next to the embedded files, never embedded itself.
pub const CONFIG_KEY: &str = "config.js";

/// (object key, contents) of every file of the page, keyed as under `site/` (all but its
/// README).
pub const SITE_FILES: &[(&str, &[u8])] = &[
    ("index.html", include_bytes!("../../../site/index.html")),
    ("app.js", include_bytes!("../../../site/app.js")),
    ("style.css", include_bytes!("../../../site/style.css")),
    (
        "images/chimera.svg",
        include_bytes!("../../../site/images/chimera.svg"),
    ),
    (
        "images/cyclops.svg",
        include_bytes!("../../../site/images/cyclops.svg"),
    ),
    (
        "images/dragon.svg",
        include_bytes!("../../../site/images/dragon.svg"),
    ),
    (
        "images/gorgon.svg",
        include_bytes!("../../../site/images/gorgon.svg"),
    ),
    (
        "images/haetae.svg",
        include_bytes!("../../../site/images/haetae.svg"),
    ),
    (
        "images/kraken.svg",
        include_bytes!("../../../site/images/kraken.svg"),
    ),
    (
        "images/mandrake.svg",
        include_bytes!("../../../site/images/mandrake.svg"),
    ),
    (
        "images/pegasus.svg",
        include_bytes!("../../../site/images/pegasus.svg"),
    ),
    (
        "images/phoenix.svg",
        include_bytes!("../../../site/images/phoenix.svg"),
    ),
    (
        "images/plesiosaurus.svg",
        include_bytes!("../../../site/images/plesiosaurus.svg"),
    ),
    (
        "images/troll.svg",
        include_bytes!("../../../site/images/troll.svg"),
    ),
    (
        "images/yeti.svg",
        include_bytes!("../../../site/images/yeti.svg"),
    ),
];

/// One object of the published site: what `up` puts in the bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteObject {
    pub key: String,
    pub body: Vec<u8>,
    pub content_type: &'static str,
    /// What S3 answers as the ETag of a single-part put of `body` (SSE-S3): its MD5 in hex.
    pub etag: String,
}

impl SiteObject {
    fn new(key: &str, body: Vec<u8>) -> Self {
        Self {
            content_type: content_type(key)
                .unwrap_or_else(|| panic!("site/{key}: no content type for its extension")),
            etag: md5_hex(&body),
            key: key.to_string(),
            body,
        }
    }
}

/// The content type a browser needs for a key, by its extension; `None` for one the page
/// should not hold (the unit test below keeps `site/` to these).
pub fn content_type(key: &str) -> Option<&'static str> {
    let ext = key.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase())?;
    Some(match ext.as_str() {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        _ => return None,
    })
}

/// What the page is told of the lab: its API and the sign-in it calls itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageConfig {
    /// The API's URL (no trailing slash, so the page appends `/mysfits` without doubling it).
    pub api_url: String,
    pub region: String,
    /// Cognito's own endpoint, which the page calls for SignUp, ConfirmSignUp and
    /// InitiateAuth: `https://cognito-idp.<region>.amazonaws.com`, or a local endpoint.
    pub cognito_endpoint: String,
    pub user_pool_id: String,
    pub client_id: String,
}

impl PageConfig {
    /// Cognito's public endpoint in a region, unless the calls go elsewhere (an emulator).
    pub fn cognito_endpoint(region: &str, endpoint_override: Option<&str>) -> String {
        match endpoint_override {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => format!("https://cognito-idp.{region}.amazonaws.com"),
        }
    }
}

/// `config.js`: `window.MYSFITS_CONFIG`, as JSON (so no value can break out of its string).
pub fn config_js(config: &PageConfig) -> String {
    let value = serde_json::json!({
        "apiUrl": config.api_url.trim_end_matches('/'),
        "cognito": {
            "region": config.region,
            "endpoint": config.cognito_endpoint,
            "userPoolId": config.user_pool_id,
            "clientId": config.client_id,
        },
    });
    format!("window.MYSFITS_CONFIG = {value};")
}

/// Every object `up` publishes: the embedded page, then its `config.js`.
pub fn objects(config: &PageConfig) -> Vec<SiteObject> {
    SITE_FILES
        .iter()
        .map(|(key, body)| SiteObject::new(key, body.to_vec()))
        .chain(std::iter::once(SiteObject::new(
            CONFIG_KEY,
            config_js(config).into_bytes(),
        )))
        .collect()
}

fn md5_hex(bytes: &[u8]) -> String {
    use md5::Digest;
    md5::Md5::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn files_under(dir: &Path, prefix: &str, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
            if entry.file_type().unwrap().is_dir() {
                files_under(&entry.path(), &format!("{name}/"), out);
            } else if name != "README.md" {
                // The page's own notes, for whoever edits it; not published.
                out.push(name);
            }
        }
    }

    /// A file added to `site/` and not listed here would be missing from every published
    /// page; this catches it.
    #[test]
    fn every_file_under_site_is_embedded() {
        let mut on_disk = Vec::new();
        files_under(&Path::new(crate::REPO_ROOT).join("site"), "", &mut on_disk);
        on_disk.sort();
        let mut embedded: Vec<String> = SITE_FILES.iter().map(|(k, _)| k.to_string()).collect();
        embedded.sort();
        assert_eq!(embedded, on_disk);
        assert!(!on_disk.contains(&CONFIG_KEY.to_string()), "up writes it");
        for key in &on_disk {
            assert!(content_type(key).is_some(), "site/{key}: unknown type");
        }
    }

    fn config(api_url: &str) -> PageConfig {
        PageConfig {
            api_url: api_url.into(),
            region: "us-east-1".into(),
            cognito_endpoint: PageConfig::cognito_endpoint("us-east-1", None),
            user_pool_id: "us-east-1_abc".into(),
            client_id: "1h57kf5cpq17m0eml12EXAMPLE".into(),
        }
    }

    #[test]
    fn config_js_names_the_api_without_a_trailing_slash_and_the_sign_in() {
        assert_eq!(
            config_js(&config(
                "https://a1b2c3.execute-api.us-east-1.amazonaws.com/"
            )),
            r#"window.MYSFITS_CONFIG = {"apiUrl":"https://a1b2c3.execute-api.us-east-1.amazonaws.com","cognito":{"region":"us-east-1","endpoint":"https://cognito-idp.us-east-1.amazonaws.com","userPoolId":"us-east-1_abc","clientId":"1h57kf5cpq17m0eml12EXAMPLE"}};"#
        );
        // JSON-escaped, so no URL can break out of the string.
        assert!(config_js(&config(r#"http://a"b"#)).contains(r#""apiUrl":"http://a\"b""#));
        assert_eq!(
            PageConfig::cognito_endpoint("eu-west-1", Some("http://127.0.0.1:5000/")),
            "http://127.0.0.1:5000"
        );
    }

    #[test]
    fn objects_carry_types_and_md5_etags() {
        let objects = objects(&config("http://x"));
        assert_eq!(objects.len(), SITE_FILES.len() + 1);
        let index = objects.iter().find(|o| o.key == "index.html").unwrap();
        assert_eq!(index.content_type, "text/html; charset=utf-8");
        let config = objects.iter().find(|o| o.key == CONFIG_KEY).unwrap();
        assert_eq!(config.content_type, "text/javascript; charset=utf-8");
        assert_eq!(
            SiteObject::new("a.txt", vec![]).etag,
            "d41d8cd98f00b204e9800998ecf8427e"
        );
        assert_eq!(content_type("images/x.SVG"), Some("image/svg+xml"));
        assert_eq!(content_type("Makefile"), None);
    }
}
