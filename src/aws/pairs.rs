//! Key/value pairs as the SDKs list them (tags, stack outputs and parameters, container
//! environment): read into plain pairs the one way.

/// The pairs of `items`, each read by `kv`; an item missing its key or value is left out.
pub fn pairs<'a, T, C>(
    items: &'a [T],
    kv: impl Fn(&'a T) -> (Option<&'a str>, Option<&'a str>),
) -> C
where
    C: FromIterator<(String, String)>,
{
    items
        .iter()
        .filter_map(|item| match kv(item) {
            (Some(k), Some(v)) => Some((k.to_string(), v.to_string())),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use aws_sdk_ecs::types::Tag;

    use super::pairs;

    #[test]
    fn an_entry_without_its_key_or_value_is_left_out() {
        let tags = [
            Tag::builder().key("mysfits:lab").value("lab").build(),
            Tag::builder().key("no-value").build(),
            Tag::builder().value("no-key").build(),
        ];
        let read: BTreeMap<String, String> = pairs(&tags, |t| (t.key(), t.value()));
        assert_eq!(read, BTreeMap::from([("mysfits:lab".into(), "lab".into())]));
    }
}
