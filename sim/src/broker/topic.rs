//! Topic names and topic filters (MQTT 3.1.1 section 4.7).

/// Whether `name` may be used as the topic of a PUBLISH: not empty, no wildcard characters and
/// no NUL character.
pub(crate) fn valid_topic_name(name: &str) -> bool {
    !name.is_empty() && !name.contains(['+', '#', '\0'])
}

/// Whether `filter` is a valid topic filter for SUBSCRIBE: not empty, no NUL character, `+`
/// only as a whole level and `#` only as the whole last level.
pub(crate) fn valid_filter(filter: &str) -> bool {
    if filter.is_empty() || filter.contains('\0') {
        return false;
    }
    let mut levels = filter.split('/').peekable();
    while let Some(level) = levels.next() {
        match level {
            "#" => return levels.peek().is_none(),
            "+" => {}
            other if other.contains(['+', '#']) => return false,
            _ => {}
        }
    }
    true
}

/// Whether the topic name `topic` matches the (valid) topic filter `filter`.
///
/// `+` matches exactly one level (possibly empty), `#` matches the parent level and any number of
/// levels below it. A filter starting with a wildcard does not match a topic starting with `$`.
pub(crate) fn matches(filter: &str, topic: &str) -> bool {
    if topic.starts_with('$') && (filter.starts_with('+') || filter.starts_with('#')) {
        return false;
    }
    let mut filter_levels = filter.split('/');
    let mut topic_levels = topic.split('/');
    loop {
        match (filter_levels.next(), topic_levels.next()) {
            (Some("#"), _) => return true,
            (Some("+"), Some(_)) => {}
            (Some(f), Some(t)) if f == t => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_names() {
        for ok in [
            "a",
            "a/b",
            "/",
            "a//b",
            "$SYS/x",
            "sport/tennis player1",
            "ü/é",
        ] {
            assert!(valid_topic_name(ok), "{ok:?}");
        }
        for bad in ["", "a/+", "#", "a/#", "a+b", "a\0b"] {
            assert!(!valid_topic_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn filters() {
        for ok in [
            "#", "+", "a/#", "a/+/b", "+/+", "/+", "a//b", "+/#", "$SYS/#", "a/b/c",
        ] {
            assert!(valid_filter(ok), "{ok:?}");
        }
        for bad in ["", "a#", "a/#/b", "#/a", "a+", "a/b+/c", "++", "##", "a\0"] {
            assert!(!valid_filter(bad), "{bad:?}");
        }
    }

    #[test]
    fn exact_match() {
        assert!(matches("a/b", "a/b"));
        assert!(!matches("a/b", "a/b/c"));
        assert!(!matches("a/b/c", "a/b"));
        assert!(!matches("a/b", "a/c"));
        assert!(!matches("a", "A"));
        assert!(matches("/", "/"));
        assert!(!matches("a/", "a"));
    }

    #[test]
    fn single_level_wildcard() {
        assert!(matches("a/+", "a/b"));
        assert!(!matches("a/+", "a/b/c"));
        assert!(!matches("a/+", "a"));
        assert!(matches("a/+", "a/"));
        assert!(matches("+", "a"));
        assert!(!matches("+", "a/b"));
        assert!(matches("+/+", "/a"));
        assert!(matches("/+", "/a"));
        assert!(matches("a/+/c", "a/b/c"));
        assert!(!matches("a/+/c", "a/b/d"));
        assert!(matches("+/b/+", "a/b/c"));
    }

    #[test]
    fn multi_level_wildcard() {
        assert!(matches("#", "a"));
        assert!(matches("#", "a/b/c"));
        assert!(matches("#", "/"));
        assert!(matches("a/#", "a"));
        assert!(matches("a/#", "a/b"));
        assert!(matches("a/#", "a/b/c"));
        assert!(!matches("a/#", "b/a"));
        assert!(!matches("a/#", "ab"));
        assert!(matches("a/+/#", "a/b"));
        assert!(matches("+/#", "a/b/c"));
    }

    #[test]
    fn dollar_topics() {
        assert!(!matches("#", "$SYS/x"));
        assert!(!matches("+/x", "$SYS/x"));
        assert!(matches("$SYS/#", "$SYS/x"));
        assert!(matches("$SYS/+", "$SYS/x"));
        assert!(matches("a/#", "a/$b"));
    }
}
