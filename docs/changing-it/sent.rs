
/// Reads a field that may be absent, `null` or a value, and tells the three
/// apart: absent is `None` (the field's `default`), `null` is `Some(None)`,
/// a value `Some(Some(value))`.
pub(crate) fn sent<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}
