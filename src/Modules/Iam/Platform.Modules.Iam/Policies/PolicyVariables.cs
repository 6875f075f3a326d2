using System.Text;

namespace Platform.Modules.Iam.Policies;

/// <summary>Policy variables (<c>${aws:username}</c>, <c>${*}</c>, <c>${?}</c>, <c>${$}</c>), substituted per request.</summary>
internal static class PolicyVariables
{
    public static bool Contains(string text) => text.Contains("${", StringComparison.Ordinal);

    /// <summary>
    /// Resolves every variable; false when one has no value in the request, in which case the element
    /// that uses it matches nothing (as IAM does).
    /// </summary>
    public static bool TryResolve(string text, IReadOnlyDictionary<string, IReadOnlyList<string>> context, bool ignoreCase, out Wildcard pattern)
    {
        var builder = new StringBuilder(text.Length + 16);
        var literal = new List<bool>(text.Length + 16);
        var index = 0;
        while (index < text.Length)
        {
            var start = text.IndexOf("${", index, StringComparison.Ordinal);
            var end = start < 0 ? -1 : text.IndexOf('}', start);
            if (start < 0 || end < 0)
            {
                Append(text[index..], asLiteral: false);
                break;
            }

            Append(text[index..start], asLiteral: false);
            var name = text[(start + 2)..end];
            var value = name switch
            {
                "*" => "*",
                "?" => "?",
                "$" => "$",
                _ => Lookup(context, name),
            };
            if (value is null)
            {
                pattern = Wildcard.Create("", ignoreCase);
                return false;
            }

            Append(value, asLiteral: true);
            index = end + 1;
        }

        pattern = Wildcard.CreateWithLiterals(builder.ToString(), [.. literal], ignoreCase);
        return true;

        void Append(string part, bool asLiteral)
        {
            builder.Append(part);
            literal.AddRange(Enumerable.Repeat(asLiteral, part.Length));
        }
    }

    private static string? Lookup(IReadOnlyDictionary<string, IReadOnlyList<string>> context, string name)
    {
        // ${aws:username, 'default'} gives a default when the key is absent.
        var comma = name.IndexOf(',', StringComparison.Ordinal);
        var key = (comma < 0 ? name : name[..comma]).Trim();
        if (context.TryGetValue(key, out var values) && values.Count > 0)
        {
            return values[0];
        }

        return comma < 0 ? null : name[(comma + 1)..].Trim().Trim('\'');
    }
}
