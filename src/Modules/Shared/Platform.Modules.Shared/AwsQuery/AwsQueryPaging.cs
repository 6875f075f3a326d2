using System.Buffers.Text;
using System.Text;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Shared.AwsQuery;

/// <summary>
/// The paging of awsQuery's describe calls over what a native request returned: a page size parameter (Auto Scaling's and
/// CloudWatch's <c>MaxRecords</c>, ELBv2's <c>PageSize</c>) and a token (<c>NextToken</c>, <c>Marker</c>). Items are taken in
/// the order of their keys, and the token names the last key given (opaque to the client), so an item deleted between two
/// pages neither repeats nor hides another. Without a page size the service's default applies, as AWS's does. A scope (the
/// action's name) is written into the token and checked when it comes back, so one call's token given to another is refused
/// rather than silently listing from somewhere else (another call's keys sort differently).
/// </summary>
public sealed class AwsQueryPaging
{
    private readonly int _size;
    private readonly string? _after;
    private readonly string _scope;

    private AwsQueryPaging(int size, string? after, string scope)
    {
        _size = size;
        _after = after;
        _scope = scope;
    }

    /// <param name="sizeName">The page size parameter (<c>MaxRecords</c>, <c>PageSize</c>).</param>
    /// <param name="tokenName">The token parameter (<c>NextToken</c>, <c>Marker</c>).</param>
    /// <param name="max">The largest page the action takes, and its default size when none is given (<paramref name="defaultSize"/> when set).</param>
    /// <param name="scope">What the token belongs to (the action): a token written for another scope is invalid.</param>
    public static AwsQueryPaging Read(AwsQueryParameters parameters, string sizeName, string tokenName, int max, int? defaultSize = null,
        string invalidTokenCode = "InvalidNextToken", string scope = "")
    {
        var size = parameters.OptionalInt(sizeName);
        if (size is { } given && (given < 1 || given > max))
        {
            throw ApiErrors.ValidationError($"1 validation error detected: Value '{given}' at '{char.ToLowerInvariant(sizeName[0])}{sizeName[1..]}' failed to satisfy constraint: "
                + $"Member must have value between 1 and {max}");
        }

        var token = parameters.Optional(tokenName);
        string? after = null;
        if (token is not null)
        {
            after = Decode(token, scope) ?? throw new ApiException(400, invalidTokenCode, $"The token '{token}' is invalid.");
        }

        return new AwsQueryPaging(size ?? defaultSize ?? max, after, scope);
    }

    /// <summary>Pages of a size the caller cannot choose (CloudWatch's ListMetrics: 500), only a token.</summary>
    public static AwsQueryPaging Fixed(AwsQueryParameters parameters, string tokenName, int size, string scope, string invalidTokenCode = "InvalidNextToken")
    {
        var token = parameters.Optional(tokenName);
        string? after = null;
        if (token is not null)
        {
            after = Decode(token, scope) ?? throw new ApiException(400, invalidTokenCode, $"The token '{token}' is invalid.");
        }

        return new AwsQueryPaging(size, after, scope);
    }

    /// <summary>The page and the token for the next one (null on the last page).</summary>
    public (IReadOnlyList<T> Items, string? NextToken) Apply<T>(IEnumerable<T> items, Func<T, string> key)
    {
        var ordered = items.OrderBy(key, StringComparer.Ordinal).Where(i => _after is null || string.CompareOrdinal(key(i), _after) > 0).ToList();
        if (ordered.Count <= _size)
        {
            return (ordered, null);
        }

        var page = ordered.GetRange(0, _size);
        return (page, Encode(_scope, key(page[^1])));
    }

    private static string Prefix(string scope) => scope.Length == 0 ? "after:" : scope + "|after:";

    private static string Encode(string scope, string key) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(Prefix(scope) + key));

    private static string? Decode(string token, string scope)
    {
        var prefix = Prefix(scope);
        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token));
            return text.StartsWith(prefix, StringComparison.Ordinal) && text.Length > prefix.Length ? text[prefix.Length..] : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
