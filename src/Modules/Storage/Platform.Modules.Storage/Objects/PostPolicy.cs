using System.Globalization;
using System.Text.Json;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Storage.Objects;

/// <summary>
/// A browser upload's policy document (S3's "Creating a POST policy"): base64 JSON with an expiration and the conditions every
/// form field must meet: <c>{"field": "value"}</c> and <c>["eq", "$field", "value"]</c> exact matches, <c>["starts-with",
/// "$field", "prefix"]</c>, and <c>["content-length-range", min, max]</c> for the file's size. A field no condition names (other
/// than the signature's own, the policy, the file and x-ignore-*) is refused, as S3 refuses it.
/// </summary>
internal sealed class PostPolicy
{
    /// <summary>Fields a policy need not name: the signature, the policy itself, the file, and whatever starts with x-ignore-.</summary>
    private static readonly HashSet<string> Unchecked = new(StringComparer.OrdinalIgnoreCase) { "x-amz-signature", "policy", "file", "awsaccesskeyid", "signature" };

    private readonly List<Condition> _conditions;

    private PostPolicy(DateTime expiration, List<Condition> conditions, (long Min, long Max)? lengthRange)
    {
        Expiration = expiration;
        _conditions = conditions;
        LengthRange = lengthRange;
    }

    public DateTime Expiration { get; }

    /// <summary>content-length-range: the file's size must lie within it; null when the policy sets none.</summary>
    public (long Min, long Max)? LengthRange { get; }

    private sealed record Condition(string Operator, string Field, string Value, string Text);

    /// <summary>The policy field as sent: base64 of a JSON document; InvalidPolicyDocument when it is not one S3 would take.</summary>
    public static PostPolicy Parse(string base64)
    {
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(Convert.FromBase64String(base64.Trim()));
            root = document.RootElement.Clone();
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            throw Invalid("Invalid Policy: Invalid JSON.");
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Invalid("Invalid Policy: Invalid JSON.");
        }

        if (!root.TryGetProperty("expiration", out var expiration) || expiration.ValueKind != JsonValueKind.String)
        {
            throw Invalid("Invalid Policy: Policy missing expiration.");
        }

        if (!DateTime.TryParse(expiration.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var expires))
        {
            throw Invalid("Invalid Policy: Invalid 'expiration' value: '" + expiration.GetString() + "'");
        }

        if (!root.TryGetProperty("conditions", out var conditions) || conditions.ValueKind != JsonValueKind.Array)
        {
            throw Invalid("Invalid Policy: Policy missing conditions.");
        }

        var parsed = new List<Condition>();
        (long, long)? range = null;
        foreach (var condition in conditions.EnumerateArray())
        {
            if (condition.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in condition.EnumerateObject())
                {
                    if (property.Value.ValueKind != JsonValueKind.String)
                    {
                        throw Invalid($"Invalid Policy: Invalid Simple-Condition: value must be a string.");
                    }

                    parsed.Add(new Condition("eq", property.Name, property.Value.GetString()!, $"[\"eq\", \"${property.Name}\", \"{property.Value.GetString()}\"]"));
                }

                continue;
            }

            if (condition.ValueKind != JsonValueKind.Array || condition.GetArrayLength() != 3 || condition[0].ValueKind != JsonValueKind.String)
            {
                throw Invalid("Invalid Policy: Invalid Condition.");
            }

            var op = condition[0].GetString()!.ToLowerInvariant();
            if (op == "content-length-range")
            {
                if (!condition[1].TryGetInt64(out var min) || !condition[2].TryGetInt64(out var max) || min < 0 || max < min)
                {
                    throw Invalid("Invalid Policy: Invalid content-length-range condition.");
                }

                range = (min, max);
                continue;
            }

            if (op is not ("eq" or "starts-with") || condition[1].ValueKind != JsonValueKind.String || condition[2].ValueKind != JsonValueKind.String
                || condition[1].GetString() is not ['$', .. var field])
            {
                throw Invalid($"Invalid Policy: Invalid Condition: {condition.GetRawText()}");
            }

            parsed.Add(new Condition(op, field, condition[2].GetString()!, condition.GetRawText()));
        }

        return new PostPolicy(expires, parsed, range);
    }

    /// <summary>
    /// Checks the form's fields (and the bucket, which the URL names) against the conditions; AccessDenied "Invalid according to
    /// Policy: ..." on the first that fails, as S3 answers.
    /// </summary>
    public void Check(IReadOnlyDictionary<string, string> fields, string bucket, DateTime now)
    {
        if (Expiration <= now)
        {
            throw Denied("Policy expired.");
        }

        var named = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var condition in _conditions)
        {
            named.Add(condition.Field);
            var value = condition.Field.Equals("bucket", StringComparison.OrdinalIgnoreCase)
                ? bucket
                : fields.TryGetValue(condition.Field, out var sent) ? sent : null;
            var met = condition.Operator == "eq"
                ? value is not null && string.Equals(value, condition.Value, StringComparison.Ordinal)
                // starts-with "" allows any value, the field absent included; Content-Type's prefix applies to each listed type.
                : condition.Value.Length == 0 || (value is not null && (condition.Field.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)
                    ? value.Split(',').All(v => v.Trim().StartsWith(condition.Value, StringComparison.Ordinal))
                    : value.StartsWith(condition.Value, StringComparison.Ordinal)));
            if (!met)
            {
                throw Denied($"Policy Condition failed: {condition.Text}");
            }
        }

        var extra = fields.Keys.Where(f => !Unchecked.Contains(f) && !f.StartsWith("x-ignore-", StringComparison.OrdinalIgnoreCase) && !named.Contains(f))
            .ToList();
        if (extra.Count > 0)
        {
            throw Denied($"Extra input fields: {string.Join(", ", extra)}");
        }
    }

    private static ApiException Denied(string reason) => new(403, "AccessDenied", "Invalid according to Policy: " + reason);

    private static ApiException Invalid(string message) => new(400, "InvalidPolicyDocument", message);
}
