using System.Text.RegularExpressions;
using Platform.Modules.Network.Addressing;

namespace Platform.Modules.Network.LoadBalancing.Rules;

/// <summary>A rule condition as the caller writes it (ELBv2's RuleCondition in snake_case): a field and its field's config.</summary>
internal sealed record RuleConditionSpec(
    string? Field,
    IReadOnlyList<string>? Values = null,
    ValuesConfig? HostHeaderConfig = null,
    ValuesConfig? PathPatternConfig = null,
    HttpHeaderConfig? HttpHeaderConfig = null,
    QueryStringConfig? QueryStringConfig = null,
    ValuesConfig? HttpRequestMethodConfig = null,
    ValuesConfig? SourceIpConfig = null);

internal sealed record ValuesConfig(IReadOnlyList<string>? Values);

internal sealed record HttpHeaderConfig(string? HttpHeaderName, IReadOnlyList<string>? Values);

internal sealed record QueryStringConfig(IReadOnlyList<QueryStringPair>? Values);

internal sealed record QueryStringPair(string? Key, string? Value);

/// <summary>A checked condition, as it is stored and matched: one field, its values (ORed), a header name for http-header.</summary>
internal sealed record RuleCondition(string Field, IReadOnlyList<string> Values, string? HttpHeaderName = null, IReadOnlyList<QueryStringPair>? QueryPairs = null);

internal static class ConditionFields
{
    public const string HostHeader = "host-header";
    public const string PathPattern = "path-pattern";
    public const string HttpHeader = "http-header";
    public const string QueryString = "query-string";
    public const string HttpRequestMethod = "http-request-method";
    public const string SourceIp = "source-ip";

    public static readonly string[] All = [HostHeader, PathPattern, HttpHeader, QueryString, HttpRequestMethod, SourceIp];

    /// <summary>Fields a rule may name once (ELBv2: http-header and query-string may repeat).</summary>
    public static readonly string[] Once = [HostHeader, PathPattern, HttpRequestMethod, SourceIp];
}

/// <summary>
/// ELBv2's checks of a rule's conditions: known fields, at most one host-header, path-pattern, http-request-method and
/// source-ip condition, at most five values in all (its "match evaluations"), value lengths and characters as ELBv2
/// documents them. Bad conditions are a <c>ValidationError</c>, as ELBv2 answers.
/// </summary>
internal static partial class RuleConditions
{
    public const int MaxValues = 5;
    public const int MaxValueLength = 128;

    public static IReadOnlyList<RuleCondition> Check(IReadOnlyList<RuleConditionSpec>? specs)
    {
        if (specs is null || specs.Count == 0)
        {
            throw ElbErrors.Validation("A rule must have at least one condition.");
        }

        var checkedConditions = specs.Select(CheckOne).ToList();
        foreach (var field in ConditionFields.Once)
        {
            if (checkedConditions.Count(c => c.Field == field) > 1)
            {
                throw ElbErrors.Validation($"A rule can only have one '{field}' condition.");
            }
        }

        var values = checkedConditions.Sum(c => c.QueryPairs?.Count ?? c.Values.Count);
        if (values > MaxValues)
        {
            throw ElbErrors.Validation($"A rule can only have '{MaxValues}' condition values, it has '{values}'.");
        }

        return checkedConditions;
    }

    private static RuleCondition CheckOne(RuleConditionSpec spec)
    {
        var field = spec.Field;
        if (field is null || Array.IndexOf(ConditionFields.All, field) < 0)
        {
            throw ElbErrors.Validation($"Condition field '{field}' must be one of [{string.Join(", ", ConditionFields.All)}].");
        }

        switch (field)
        {
            case ConditionFields.HostHeader:
                return new RuleCondition(field, Values(spec, spec.HostHeaderConfig?.Values, HostPattern(), "host-header"));
            case ConditionFields.PathPattern:
                return new RuleCondition(field, Values(spec, spec.PathPatternConfig?.Values, PathPattern(), "path-pattern"));
            case ConditionFields.HttpRequestMethod:
                return new RuleCondition(field, Values(spec, spec.HttpRequestMethodConfig?.Values, MethodPattern(), "http-request-method", 40));
            case ConditionFields.SourceIp:
                var cidrs = Values(spec, spec.SourceIpConfig?.Values, null, "source-ip");
                foreach (var cidr in cidrs)
                {
                    if (!Ipv4Cidr.TryParse(cidr, out _))
                    {
                        throw ElbErrors.Validation($"The source-ip condition value '{cidr}' is not a valid CIDR block.");
                    }
                }

                return new RuleCondition(field, cidrs);
            case ConditionFields.HttpHeader:
                var name = spec.HttpHeaderConfig?.HttpHeaderName;
                if (string.IsNullOrEmpty(name) || name.Length > 40 || !HeaderNamePattern().IsMatch(name))
                {
                    throw ElbErrors.Validation($"The http-header condition needs an HTTP header name of 1 to 40 token characters, not '{name}'.");
                }

                return new RuleCondition(field, Values(spec, spec.HttpHeaderConfig?.Values, null, "http-header"), name);
            default:
                var pairs = spec.QueryStringConfig?.Values;
                if (pairs is null || pairs.Count == 0)
                {
                    throw ElbErrors.Validation("The query-string condition needs at least one key/value pair.");
                }

                foreach (var pair in pairs)
                {
                    if (string.IsNullOrEmpty(pair.Value) || pair.Value.Length > MaxValueLength || pair.Key is { Length: 0 or > MaxValueLength })
                    {
                        throw ElbErrors.Validation("A query-string pair needs a value of 1 to 128 characters and, if given, a key of 1 to 128.");
                    }
                }

                return new RuleCondition(field, [], QueryPairs: pairs.Select(p => new QueryStringPair(p.Key, p.Value)).ToList());
        }
    }

    /// <summary>The values of the field's config, or the legacy top-level Values (host-header and path-pattern only, as ELBv2).</summary>
    private static List<string> Values(RuleConditionSpec spec, IReadOnlyList<string>? configValues, Regex? pattern, string field, int maxLength = MaxValueLength)
    {
        var legacy = field is ConditionFields.HostHeader or ConditionFields.PathPattern ? spec.Values : null;
        if (configValues is { Count: > 0 } && legacy is { Count: > 0 })
        {
            throw ElbErrors.Validation($"The '{field}' condition takes its values either in Values or in its config, not both.");
        }

        var values = configValues is { Count: > 0 } ? configValues : legacy;
        if (values is null || values.Count == 0)
        {
            throw ElbErrors.Validation($"The '{field}' condition needs at least one value.");
        }

        foreach (var value in values)
        {
            if (string.IsNullOrEmpty(value) || value.Length > maxLength || (pattern is not null && !pattern.IsMatch(value)))
            {
                throw ElbErrors.Validation($"The '{field}' condition value '{value}' is not valid: 1 to {maxLength} characters{(pattern is null ? "" : $" matching {pattern}")}.");
            }
        }

        return values.ToList();
    }

    [GeneratedRegex("^[A-Za-z0-9.*?-]+$")]
    private static partial Regex HostPattern();

    [GeneratedRegex("^[A-Za-z0-9_.$/~\"'@:+&*?-]+$")]
    private static partial Regex PathPattern();

    [GeneratedRegex("^[A-Z_-]+$")]
    private static partial Regex MethodPattern();

    [GeneratedRegex("^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")]
    private static partial Regex HeaderNamePattern();
}
