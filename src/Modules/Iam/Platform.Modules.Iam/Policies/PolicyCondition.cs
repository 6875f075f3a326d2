using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Platform.Modules.Iam.Policies;

internal enum SetQualifier
{
    None,
    ForAnyValue,
    ForAllValues,
}

/// <summary>One operator, one key, its values: <c>"StringEquals": { "aws:username": ["a", "b"] }</c>.</summary>
internal sealed class PolicyCondition
{
    private static readonly Dictionary<string, (Func<string, string, bool> Match, bool Negated)> Operators = new(StringComparer.Ordinal)
    {
        ["StringEquals"] = (static (v, p) => string.Equals(v, p, StringComparison.Ordinal), false),
        ["StringNotEquals"] = (static (v, p) => string.Equals(v, p, StringComparison.Ordinal), true),
        ["StringEqualsIgnoreCase"] = (static (v, p) => string.Equals(v, p, StringComparison.OrdinalIgnoreCase), false),
        ["StringNotEqualsIgnoreCase"] = (static (v, p) => string.Equals(v, p, StringComparison.OrdinalIgnoreCase), true),
        ["StringLike"] = (static (v, p) => Wildcard.Create(p, ignoreCase: false).IsMatch(v), false),
        ["StringNotLike"] = (static (v, p) => Wildcard.Create(p, ignoreCase: false).IsMatch(v), true),
        ["NumericEquals"] = (static (v, p) => Numeric(v, p, c => c == 0), false),
        ["NumericNotEquals"] = (static (v, p) => Numeric(v, p, c => c == 0), true),
        ["NumericLessThan"] = (static (v, p) => Numeric(v, p, c => c < 0), false),
        ["NumericLessThanEquals"] = (static (v, p) => Numeric(v, p, c => c <= 0), false),
        ["NumericGreaterThan"] = (static (v, p) => Numeric(v, p, c => c > 0), false),
        ["NumericGreaterThanEquals"] = (static (v, p) => Numeric(v, p, c => c >= 0), false),
        ["DateEquals"] = (static (v, p) => Date(v, p, c => c == 0), false),
        ["DateNotEquals"] = (static (v, p) => Date(v, p, c => c == 0), true),
        ["DateLessThan"] = (static (v, p) => Date(v, p, c => c < 0), false),
        ["DateLessThanEquals"] = (static (v, p) => Date(v, p, c => c <= 0), false),
        ["DateGreaterThan"] = (static (v, p) => Date(v, p, c => c > 0), false),
        ["DateGreaterThanEquals"] = (static (v, p) => Date(v, p, c => c >= 0), false),
        ["Bool"] = (static (v, p) => string.Equals(v, p, StringComparison.OrdinalIgnoreCase), false),
        ["BinaryEquals"] = (static (v, p) => string.Equals(v, p, StringComparison.Ordinal), false),
        ["IpAddress"] = (static (v, p) => InNetwork(v, p), false),
        ["NotIpAddress"] = (static (v, p) => InNetwork(v, p), true),
        ["ArnEquals"] = (static (v, p) => Wildcard.Create(p, ignoreCase: false).IsMatch(v), false),
        ["ArnLike"] = (static (v, p) => Wildcard.Create(p, ignoreCase: false).IsMatch(v), false),
        ["ArnNotEquals"] = (static (v, p) => Wildcard.Create(p, ignoreCase: false).IsMatch(v), true),
        ["ArnNotLike"] = (static (v, p) => Wildcard.Create(p, ignoreCase: false).IsMatch(v), true),
    };

    private readonly Func<string, string, bool>? _match;
    private readonly bool _negated;
    private readonly bool _ifExists;
    private readonly bool _isNull;
    private readonly SetQualifier _qualifier;
    private readonly string _key;
    private readonly string[] _values;

    private PolicyCondition(Func<string, string, bool>? match, bool negated, bool ifExists, bool isNull, SetQualifier qualifier, string key, string[] values)
    {
        (_match, _negated, _ifExists, _isNull, _qualifier, _key, _values) = (match, negated, ifExists, isNull, qualifier, key, values);
    }

    public static List<PolicyCondition> ParseBlock(JsonElement block)
    {
        if (block.ValueKind != JsonValueKind.Object)
        {
            throw PolicyDocument.Fail("Syntax errors in policy.");
        }

        var conditions = new List<PolicyCondition>();
        foreach (var operatorProperty in block.EnumerateObject())
        {
            var name = operatorProperty.Name;
            var qualifier = SetQualifier.None;
            if (name.StartsWith("ForAnyValue:", StringComparison.Ordinal))
            {
                (qualifier, name) = (SetQualifier.ForAnyValue, name["ForAnyValue:".Length..]);
            }
            else if (name.StartsWith("ForAllValues:", StringComparison.Ordinal))
            {
                (qualifier, name) = (SetQualifier.ForAllValues, name["ForAllValues:".Length..]);
            }

            var ifExists = name.EndsWith("IfExists", StringComparison.Ordinal) && name != "IfExists";
            var baseName = ifExists ? name[..^"IfExists".Length] : name;
            var isNull = baseName == "Null";
            if (!isNull && !Operators.ContainsKey(baseName))
            {
                throw PolicyDocument.Fail($"Invalid Condition type : {operatorProperty.Name}.");
            }

            if (operatorProperty.Value.ValueKind != JsonValueKind.Object)
            {
                throw PolicyDocument.Fail("Syntax errors in policy.");
            }

            foreach (var keyProperty in operatorProperty.Value.EnumerateObject())
            {
                var values = ConditionValues(keyProperty.Value);
                if (!keyProperty.Name.Contains(':', StringComparison.Ordinal))
                {
                    throw PolicyDocument.Fail("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.");
                }

                var (match, negated) = isNull ? (null, false) : Operators[baseName];
                conditions.Add(new PolicyCondition(match, negated, ifExists, isNull, qualifier, keyProperty.Name, values));
            }
        }

        return conditions;
    }

    /// <param name="substitute">Resolves policy variables in a condition value; null when the document does not support them.</param>
    public bool Holds(IReadOnlyDictionary<string, IReadOnlyList<string>> context, Func<string, string?>? substitute)
    {
        var present = context.TryGetValue(_key, out var requestValues) && requestValues.Count > 0;
        if (_isNull)
        {
            // Any of the values may hold, as for every operator; an empty list holds for none (it held an index past its end).
            return Array.Exists(_values, v => string.Equals(v, "true", StringComparison.OrdinalIgnoreCase) ? !present : present);
        }

        if (!present)
        {
            // Absent keys: IfExists and ForAllValues hold vacuously; a negated operator holds, as the key
            // cannot equal what it must not; any other operator fails.
            return _ifExists || _qualifier == SetQualifier.ForAllValues || (_negated && _qualifier == SetQualifier.None);
        }

        var policyValues = substitute is null ? _values : _values.Select(substitute).Where(v => v is not null).Cast<string>().ToArray();
        bool MatchesAny(string requestValue) => Array.Exists(policyValues, p => _match!(requestValue, p));

        return _qualifier switch
        {
            SetQualifier.ForAllValues => requestValues!.All(v => MatchesAny(v) != _negated),
            SetQualifier.ForAnyValue => requestValues!.Any(v => MatchesAny(v) != _negated),
            _ => _negated ? !requestValues!.Any(MatchesAny) : requestValues!.Any(MatchesAny),
        };
    }

    private static string[] ConditionValues(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Array => [.. element.EnumerateArray().Select(ScalarText)],
        _ => [ScalarText(element)],
    };

    private static string ScalarText(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString()!,
        JsonValueKind.Number => element.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => throw PolicyDocument.Fail("Syntax errors in policy."),
    };

    private static bool Numeric(string value, string policy, Func<int, bool> test) =>
        decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
        && decimal.TryParse(policy, NumberStyles.Float, CultureInfo.InvariantCulture, out var p)
        && test(v.CompareTo(p));

    private static bool Date(string value, string policy, Func<int, bool> test) =>
        TryDate(value, out var v) && TryDate(policy, out var p) && test(v.CompareTo(p));

    private static readonly long MaxUnixSeconds = DateTimeOffset.MaxValue.ToUnixTimeSeconds();

    private static bool TryDate(string text, out DateTimeOffset date)
    {
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var epoch))
        {
            // Seconds past year 9999 are no date, not an exception in the middle of an authorization.
            var inRange = epoch <= MaxUnixSeconds;
            date = inRange ? DateTimeOffset.FromUnixTimeSeconds(epoch) : default;
            return inRange;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out date);
    }

    private static bool InNetwork(string address, string network)
    {
        if (!IPAddress.TryParse(address, out var ip))
        {
            return false;
        }

        if (!network.Contains('/', StringComparison.Ordinal))
        {
            return IPAddress.TryParse(network, out var single) && single.Equals(ip);
        }

        return IPNetwork.TryParse(network, out var range) && range.Contains(ip);
    }
}
