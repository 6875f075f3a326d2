using System.Text.Json;
using System.Text.Json.Nodes;

namespace Platform.HostAgent.OpenVSwitch.Ovsdb;

/// <summary>
/// RFC 7047's data notation (section 5.1): atoms, ["set", [...]], ["map", [[k, v], ...]],
/// ["uuid", "..."] and ["named-uuid", "..."], to and from System.Text.Json.
/// </summary>
public static class OvsdbValue
{
    public static JsonArray Uuid(string uuid) => ["uuid", uuid];

    /// <summary>A reference to a row inserted earlier in the same transaction ("uuid-name").</summary>
    public static JsonArray NamedUuid(string name) => ["named-uuid", name];

    public static JsonArray Set(params IEnumerable<JsonNode?> items) => ["set", new JsonArray([.. items])];

    public static JsonArray EmptySet() => ["set", new JsonArray()];

    public static JsonArray Map(IEnumerable<KeyValuePair<string, string>> entries) =>
        ["map", new JsonArray([.. entries.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => (JsonNode)new JsonArray(e.Key, e.Value))])];

    /// <summary>An optional integer column (min 0, max 1): the value, or the empty set.</summary>
    public static JsonNode Optional(long? value) => value is { } v ? JsonValue.Create(v) : EmptySet();

    public static JsonArray Condition(string column, string function, JsonNode? value) => [column, function, value];

    /// <summary>The members of a set column: a bare atom is a set of one.</summary>
    public static IReadOnlyList<JsonElement> ReadSet(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Array && value.GetArrayLength() == 2 && value[0].ValueKind == JsonValueKind.String && value[0].GetString() == "set")
        {
            return [.. value[1].EnumerateArray()];
        }

        return [value];
    }

    /// <summary>The uuids of a set-of-references column.</summary>
    public static IReadOnlyList<string> ReadUuids(JsonElement value) =>
        [.. ReadSet(value).Select(ReadUuid)];

    public static string ReadUuid(JsonElement value) =>
        value.ValueKind == JsonValueKind.Array && value.GetArrayLength() == 2 && value[0].GetString() == "uuid"
            ? value[1].GetString()!
            : throw new OvsdbException($"Not a uuid: {value.GetRawText()}");

    /// <summary>An optional column's single value, or null for the empty set.</summary>
    public static JsonElement? ReadOptional(JsonElement value)
    {
        var members = ReadSet(value);
        return members.Count == 0 ? null : members[0];
    }

    public static IReadOnlyDictionary<string, string> ReadMap(JsonElement value)
    {
        var map = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (value.ValueKind == JsonValueKind.Array && value.GetArrayLength() == 2 && value[0].GetString() == "map")
        {
            foreach (var pair in value[1].EnumerateArray())
            {
                map[pair[0].ToString()] = pair[1].ToString();
            }
        }

        return map;
    }
}
