namespace Platform.Modules.Iam.Policies;

/// <summary>
/// An IAM wildcard pattern: <c>*</c> matches any run of characters (':' and '/' too), <c>?</c> one.
/// Characters that came from policy variables such as <c>${*}</c> are literal, hence the mask.
/// </summary>
internal sealed class Wildcard
{
    private readonly string _pattern;
    private readonly bool[]? _literal;
    private readonly bool _ignoreCase;

    private Wildcard(string pattern, bool[]? literal, bool ignoreCase)
    {
        _pattern = pattern;
        _literal = literal;
        _ignoreCase = ignoreCase;
    }

    public static Wildcard Create(string pattern, bool ignoreCase) => new(pattern, null, ignoreCase);

    /// <summary>A pattern whose characters at the masked positions are never wildcards.</summary>
    public static Wildcard CreateWithLiterals(string pattern, bool[] literal, bool ignoreCase) => new(pattern, literal, ignoreCase);

    public bool IsMatch(string value)
    {
        // Iterative matching with one backtrack point: linear for patterns with a single '*', no allocation.
        int p = 0, v = 0, star = -1, resume = 0;
        while (v < value.Length)
        {
            if (p < _pattern.Length && IsWild(p, '*'))
            {
                star = p++;
                resume = v;
            }
            else if (p < _pattern.Length && (IsWild(p, '?') || Same(_pattern[p], value[v])))
            {
                p++;
                v++;
            }
            else if (star >= 0)
            {
                p = star + 1;
                v = ++resume;
            }
            else
            {
                return false;
            }
        }

        while (p < _pattern.Length && IsWild(p, '*'))
        {
            p++;
        }

        return p == _pattern.Length;
    }

    public override string ToString() => _pattern;

    private bool IsWild(int index, char wildcard) => _pattern[index] == wildcard && (_literal is null || !_literal[index]);

    private bool Same(char a, char b) => a == b || (_ignoreCase && char.ToLowerInvariant(a) == char.ToLowerInvariant(b));
}
