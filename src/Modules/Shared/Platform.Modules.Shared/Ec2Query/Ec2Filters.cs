using System.Text;
using Platform.Modules.Shared.AwsQuery;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Shared.Ec2Query;

/// <summary>
/// EC2's describe filters, <c>Filter.N.Name</c> with <c>Filter.N.Value.M</c>: an item passes when, for every filter, one of
/// its values matches one of the filter's values (<c>*</c> and <c>?</c> as wildcards). <c>tag:Key</c> matches the tag's
/// value, <c>tag-key</c> and <c>tag-value</c> any tag's key or value. A filter name the describe call does not know is refused,
/// never ignored: ignoring it would answer with more than was asked for.
/// </summary>
public sealed class Ec2Filters
{
    public const int MaxFilters = 50;

    public const int MaxValuesPerFilter = 200;

    private readonly List<(string Name, IReadOnlyList<string> Values)> _filters;

    private Ec2Filters(List<(string Name, IReadOnlyList<string> Values)> filters) => _filters = filters;

    public bool IsEmpty => _filters.Count == 0;

    /// <param name="supported">The filter names of the describe call; <c>tag:</c> allows <c>tag:Key</c>, <c>tag-key</c> and <c>tag-value</c>.</param>
    public static Ec2Filters Read(AwsQueryParameters parameters, IReadOnlyCollection<string> supported)
    {
        var filters = new List<(string, IReadOnlyList<string>)>();
        var list = parameters.FlatList("Filter");
        if (list.Count > MaxFilters)
        {
            throw ApiErrors.InvalidParameterValue($"The request has more than {MaxFilters} filters.");
        }

        foreach (var filter in list)
        {
            var name = filter.Optional("Name");
            if (string.IsNullOrEmpty(name))
            {
                throw ApiErrors.InvalidParameterValue("A filter has no name.");
            }

            // "tag:" in the table stands for the tag filters; it is no filter name itself.
            var known = (supported.Contains(name) && name != "tag:")
                || (supported.Contains("tag:") && (name is "tag-key" or "tag-value" || (name.StartsWith("tag:", StringComparison.Ordinal) && name.Length > 4)));
            if (!known)
            {
                throw ApiErrors.InvalidParameterValue($"The filter '{name}' is invalid");
            }

            var values = filter.FlatStringList("Value");
            if (values.Count == 0)
            {
                throw ApiErrors.InvalidParameterValue($"The filter '{name}' has no value.");
            }

            if (values.Count > MaxValuesPerFilter)
            {
                throw ApiErrors.InvalidParameterValue($"The filter '{name}' has more than {MaxValuesPerFilter} values.");
            }

            filters.Add((name, values));
        }

        return new Ec2Filters(filters);
    }

    /// <summary>The values a filter was given (empty when it was not), for the filters a native request applies itself.</summary>
    public IReadOnlyList<string> Values(string name) => [.. _filters.Where(f => f.Name == name).SelectMany(f => f.Values)];

    /// <param name="field">An item's values for a filter name (null or empty: none, so the item fails that filter).</param>
    /// <param name="tags">An item's tags, for the <c>tag:</c> filters.</param>
    public IEnumerable<T> Apply<T>(IEnumerable<T> items, Func<T, string, IEnumerable<string?>?> field, Func<T, IEnumerable<KeyValuePair<string, string>>>? tags = null) =>
        _filters.Count == 0 ? items : items.Where(item => _filters.All(filter => ValuesOf(item, filter.Name, field, tags).Any(v => v is not null && filter.Values.Any(p => Matches(p, v)))));

    private static IEnumerable<string?> ValuesOf<T>(T item, string name, Func<T, string, IEnumerable<string?>?> field, Func<T, IEnumerable<KeyValuePair<string, string>>>? tags)
    {
        if (tags is not null)
        {
            if (name == "tag-key")
            {
                return tags(item).Select(t => t.Key);
            }

            if (name == "tag-value")
            {
                return tags(item).Select(t => t.Value);
            }

            if (name.StartsWith("tag:", StringComparison.Ordinal))
            {
                var key = name[4..];
                return tags(item).Where(t => t.Key == key).Select(t => t.Value);
            }
        }

        return field(item, name) ?? [];
    }

    /// <summary>EC2's wildcards: <c>*</c> any run, <c>?</c> one character, <c>\</c> escapes them; otherwise exact and case-sensitive.</summary>
    public static bool Matches(string pattern, string value)
    {
        if (pattern.IndexOfAny(['*', '?', '\\']) < 0)
        {
            return pattern == value;
        }

        var regex = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                regex.Append(System.Text.RegularExpressions.Regex.Escape(pattern[++i].ToString()));
            }
            else
            {
                regex.Append(c switch
                {
                    '*' => ".*",
                    '?' => ".",
                    _ => System.Text.RegularExpressions.Regex.Escape(c.ToString()),
                });
            }
        }

        regex.Append('$');
        return System.Text.RegularExpressions.Regex.IsMatch(value, regex.ToString(), System.Text.RegularExpressions.RegexOptions.Singleline,
            TimeSpan.FromMilliseconds(100));
    }
}
