using Platform.Modules.Network.Addressing;

namespace Platform.Modules.Network.LoadBalancing.Rules;

/// <summary>What a listener rule looks at in one HTTP request.</summary>
/// <param name="Host">The Host header, with or without a port.</param>
/// <param name="Path">The path without the query string.</param>
/// <param name="Headers">Header names in any case; a repeated header has several values.</param>
/// <param name="Query">The query string's pairs in order.</param>
internal sealed record HttpRequestFacts(
    string Method,
    string Host,
    string Path,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Headers,
    IReadOnlyList<KeyValuePair<string, string>> Query,
    uint SourceAddress);

/// <summary>A rule to choose from: lower priorities are evaluated first; the listener's default rule when none matches.</summary>
internal sealed record PrioritizedRule<T>(int Priority, IReadOnlyList<RuleCondition> Conditions, T Target);

/// <summary>
/// ELBv2's rule evaluation: conditions of a rule are ANDed, values of a condition ORed; host names, header values and query
/// strings compare without case, paths and methods with it; <c>*</c> matches any run of characters and <c>?</c> one.
/// The HAProxy configuration the data plane writes follows these semantics; the unit tests pin them.
/// </summary>
internal static class RuleMatcher
{
    public static T Choose<T>(IEnumerable<PrioritizedRule<T>> rules, T defaultTarget, HttpRequestFacts request) =>
        rules.OrderBy(r => r.Priority).FirstOrDefault(r => Matches(r.Conditions, request)) is { } rule ? rule.Target : defaultTarget;

    public static bool Matches(IReadOnlyList<RuleCondition> conditions, HttpRequestFacts request) => conditions.All(c => Matches(c, request));

    public static bool Matches(RuleCondition condition, HttpRequestFacts request) => condition.Field switch
    {
        ConditionFields.HostHeader => condition.Values.Any(v => Wildcard(v, HostWithoutPort(request.Host), ignoreCase: true)),
        ConditionFields.PathPattern => condition.Values.Any(v => Wildcard(v, request.Path, ignoreCase: false)),
        ConditionFields.HttpRequestMethod => condition.Values.Contains(request.Method, StringComparer.Ordinal),
        ConditionFields.SourceIp => condition.Values.Any(v => Ipv4Cidr.TryParse(v, out var cidr) && cidr.Contains(request.SourceAddress)),
        ConditionFields.HttpHeader => HeaderValues(request, condition.HttpHeaderName!).Any(h => condition.Values.Any(v => Wildcard(v, h, ignoreCase: true))),
        ConditionFields.QueryString => condition.QueryPairs!.Any(p => request.Query.Any(q =>
            (p.Key is null || Wildcard(p.Key, q.Key, ignoreCase: true)) && Wildcard(p.Value!, q.Value, ignoreCase: true))),
        _ => false,
    };

    /// <summary>Glob matching with <c>*</c> and <c>?</c>, iterative with one backtrack point (linear in practice, no regex).</summary>
    public static bool Wildcard(string pattern, string text, bool ignoreCase)
    {
        int p = 0, t = 0, star = -1, resume = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || Same(pattern[p], text[t], ignoreCase)))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                resume = t;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++resume;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    private static bool Same(char a, char b, bool ignoreCase) => ignoreCase ? char.ToLowerInvariant(a) == char.ToLowerInvariant(b) : a == b;

    private static string HostWithoutPort(string host)
    {
        var colon = host.LastIndexOf(':');
        return colon > 0 && host[(colon + 1)..].All(char.IsAsciiDigit) ? host[..colon] : host;
    }

    private static IEnumerable<string> HeaderValues(HttpRequestFacts request, string name) =>
        request.Headers.Where(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).SelectMany(h => h.Value);
}
