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
