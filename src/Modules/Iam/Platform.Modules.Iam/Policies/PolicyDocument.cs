using System.Text.Json;
using System.Text.RegularExpressions;

namespace Platform.Modules.Iam.Policies;

internal enum PolicyKind
{
    /// <summary>Attached to a user: no Principal.</summary>
    Identity,

    /// <summary>Attached to a resource (a bucket policy): Principal or NotPrincipal required.</summary>
    Resource,

    /// <summary>A role's trust policy: Principal or NotPrincipal required, no Resource (the role itself is the resource).</summary>
    Trust,
}

/// <summary>A policy in AWS's JSON grammar, checked and compiled once, evaluated many times.</summary>
internal sealed partial class PolicyDocument
{
    private const string Malformed = "MalformedPolicyDocument";
    private static readonly string[] TopLevelKeys = ["Version", "Id", "Statement"];
    private static readonly string[] StatementKeys = ["Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal", "NotPrincipal", "Condition"];

    private PolicyDocument(string text, string version, IReadOnlyList<PolicyStatement> statements)
    {
        Text = text;
        Version = version;
        Statements = statements;
    }

    /// <summary>The document exactly as given, returned by the API as it was sent.</summary>
    public string Text { get; }

    public string Version { get; }

    /// <summary>Only 2012-10-17 documents substitute policy variables; 2008-10-17 takes <c>${...}</c> literally.</summary>
    public bool SupportsVariables => Version == "2012-10-17";

    public IReadOnlyList<PolicyStatement> Statements { get; }

    /// <param name="maxSize">IAM's quota in characters, white space excluded.</param>
    public static PolicyDocument Parse(string text, PolicyKind kind, int maxSize)
    {
        if (text.Count(c => !char.IsWhiteSpace(c)) > maxSize)
        {
            throw new PolicyValidationException("LimitExceeded", $"Cannot exceed quota for PolicySize: {maxSize}");
        }

        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(text);
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            // ArgumentException: text that is not UTF-16 (a lone surrogate) cannot be read as JSON at all.
            throw Fail("Syntax errors in policy.");
        }

        using (json)
        {
            try
            {
                return Parse(text, json.RootElement, kind);
            }
            catch (InvalidOperationException)
            {
                // A string JSON can carry but .NET cannot read: an escaped lone surrogate ("\ud800"), in a value or a name.
                throw Fail("Syntax errors in policy.");
            }
        }
    }

    private static PolicyDocument Parse(string text, JsonElement root, PolicyKind kind)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Fail("Syntax errors in policy.");
        }

        RejectUnknownKeys(root, TopLevelKeys);
        var version = "2008-10-17";
        if (root.TryGetProperty(nameof(Version), out var versionElement))
        {
            version = versionElement.ValueKind == JsonValueKind.String ? versionElement.GetString()! : "";
            if (version is not ("2012-10-17" or "2008-10-17"))
            {
                throw Fail("The policy failed legacy parsing");
            }
        }

        if (!root.TryGetProperty("Statement", out var statementElement))
        {
            throw Fail("Syntax errors in policy.");
        }

        var statementElements = statementElement.ValueKind switch
        {
            JsonValueKind.Object => [statementElement],
            JsonValueKind.Array => statementElement.EnumerateArray().ToList(),
            _ => throw Fail("Syntax errors in policy."),
        };
        if (statementElements.Count == 0)
        {
            throw Fail("Syntax errors in policy.");
        }

        var statements = statementElements.Select(s => ParseStatement(s, kind, version == "2012-10-17")).ToList();
        var sids = statements.Where(s => s.Sid is not null).Select(s => s.Sid!).ToList();
        if (sids.Count != sids.Distinct(StringComparer.Ordinal).Count())
        {
            throw Fail("Statement IDs (SID) in a single policy must be unique.");
        }

        return new PolicyDocument(text, version, statements);
    }

    private static PolicyStatement ParseStatement(JsonElement element, PolicyKind kind, bool supportsVariables)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Fail("Syntax errors in policy.");
        }

        RejectUnknownKeys(element, StatementKeys);
        string? sid = null;
        if (element.TryGetProperty("Sid", out var sidElement))
        {
            sid = sidElement.ValueKind == JsonValueKind.String ? sidElement.GetString() : throw Fail("Syntax errors in policy.");
            if (sid!.Length > 0 && !SidPattern().IsMatch(sid))
            {
                throw Fail("Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*");
            }
        }

        var effect = element.TryGetProperty("Effect", out var effectElement) && effectElement.ValueKind == JsonValueKind.String
            ? effectElement.GetString()
            : throw Fail("Missing required field Effect");
        if (effect is not ("Allow" or "Deny"))
        {
            throw Fail($"Invalid effect: {effect}");
        }

        var (actions, notAction) = OneOf(element, "Action", "NotAction", "Policy statement must contain actions.");
        foreach (var action in actions)
        {
            if (action != "*" && !ActionPattern().IsMatch(action))
            {
                throw Fail("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.");
            }
        }

        if (kind == PolicyKind.Trust && (element.TryGetProperty("Resource", out _) || element.TryGetProperty("NotResource", out _)))
        {
            throw Fail("Has prohibited field Resource");
        }

        var (resources, notResource) = kind == PolicyKind.Trust
            ? (["*"], false)
            : OneOf(element, "Resource", "NotResource", "Policy statement must contain resources.");
        foreach (var resource in resources)
        {
            if (resource != "*" && !(resource.StartsWith("arn:", StringComparison.Ordinal) && resource.Split(':').Length >= 6))
            {
                throw Fail($"Resource {resource} must be in ARN format or \"*\".");
            }
        }

        var hasPrincipal = element.TryGetProperty("Principal", out var principalElement);
        var hasNotPrincipal = element.TryGetProperty("NotPrincipal", out var notPrincipalElement);
        PrincipalSet? principals = null;
        if (kind == PolicyKind.Identity && (hasPrincipal || hasNotPrincipal))
        {
            throw Fail("Policy document should not specify a principal.");
        }

        if (kind != PolicyKind.Identity)
        {
            if (hasPrincipal == hasNotPrincipal)
            {
                throw Fail(hasPrincipal ? "Statement cannot have both Principal and NotPrincipal." : "Statement is missing required element Principal");
            }

            principals = PrincipalSet.Parse(hasPrincipal ? principalElement : notPrincipalElement, negated: hasNotPrincipal);
        }

        var conditions = element.TryGetProperty("Condition", out var conditionElement)
            ? PolicyCondition.ParseBlock(conditionElement)
            : [];

        return new PolicyStatement(sid, effect == "Allow",
            [.. actions.Select(a => Wildcard.Create(a, ignoreCase: true))], notAction,
            [.. resources.Select(r => new ResourcePattern(r, supportsVariables))], notResource, principals, conditions);
    }

    private static (List<string> Values, bool Negated) OneOf(JsonElement element, string positive, string negative, string missing)
    {
        var hasPositive = element.TryGetProperty(positive, out var positiveElement);
        var hasNegative = element.TryGetProperty(negative, out var negativeElement);
        if (hasPositive == hasNegative)
        {
            throw Fail(hasPositive ? $"Statement cannot have both {positive} and {negative}." : missing);
        }

        var values = StringOrArray(hasPositive ? positiveElement : negativeElement);
        return values.Count == 0 ? throw Fail(missing) : (values, hasNegative);
    }

    internal static List<string> StringOrArray(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => [element.GetString()!],
        JsonValueKind.Array => element.EnumerateArray()
            .Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : throw Fail("Syntax errors in policy."))
            .ToList(),
        _ => throw Fail("Syntax errors in policy."),
    };

    private static void RejectUnknownKeys(JsonElement element, string[] allowed)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (Array.IndexOf(allowed, property.Name) < 0)
            {
                throw Fail($"Syntax errors in policy. Unknown field {property.Name}.");
            }
        }
    }

    internal static PolicyValidationException Fail(string message) => new(Malformed, message);

    [GeneratedRegex("^[A-Za-z0-9]+$")]
    private static partial Regex SidPattern();

    [GeneratedRegex(@"^[A-Za-z0-9*?-]+:[A-Za-z0-9*?]+$")]
    private static partial Regex ActionPattern();
}

internal sealed record PolicyStatement(
    string? Sid,
    bool IsAllow,
    Wildcard[] Actions,
    bool NotAction,
    ResourcePattern[] Resources,
    bool NotResource,
    PrincipalSet? Principals,
    IReadOnlyList<PolicyCondition> Conditions);

/// <summary>A Resource element: compiled once, unless it holds policy variables to fill per request.</summary>
internal sealed class ResourcePattern(string text, bool supportsVariables)
{
    private readonly Wildcard? _compiled = supportsVariables && PolicyVariables.Contains(text) ? null : Wildcard.Create(text, ignoreCase: false);

    public string Text { get; } = text;

    public bool IsMatch(string resource, IReadOnlyDictionary<string, IReadOnlyList<string>> context) =>
        _compiled?.IsMatch(resource)
        ?? (PolicyVariables.TryResolve(Text, context, ignoreCase: false, out var resolved) && resolved.IsMatch(resource));
}

/// <summary>A policy that breaks the grammar or a quota; its code is MalformedPolicyDocument or LimitExceeded.</summary>
internal sealed class PolicyValidationException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}
