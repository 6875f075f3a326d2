using System.Buffers.Text;
using System.Text;
using Platform.Modules.Shared.AwsQuery;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Shared.Ec2Query;

/// <summary>
/// EC2's <c>MaxResults</c>/<c>NextToken</c> paging over a describe call's answer: with a page size the items are taken in
/// the order of their ids, and the token names the last id given (opaque to the client), so an item deleted between two
/// pages neither repeats nor hides another.
/// </summary>
public sealed class Ec2Paging
{
    private readonly int? _maxResults;
    private readonly string? _after;

    private Ec2Paging(int? maxResults, string? after)
    {
        _maxResults = maxResults;
        _after = after;
    }

    public bool IsPaged => _maxResults is not null || _after is not null;

    /// <param name="min">The smallest page size the action takes (DescribeInstances: 5).</param>
    /// <param name="max">The largest (DescribeInstances: 1000).</param>
    public static Ec2Paging Read(AwsQueryParameters parameters, int min, int max)
    {
        var maxResults = parameters.OptionalInt("MaxResults");
        if (maxResults is { } size && (size < min || size > max))
        {
            throw ApiErrors.InvalidParameterValue($"Value ( {size} ) for parameter maxResults is invalid. Expecting a value between {min} and {max}.");
        }

        var token = parameters.Optional("NextToken");
        string? after = null;
        if (token is not null)
        {
            after = Decode(token) ?? throw new ApiException(400, "InvalidPaginationToken", "The specified pagination token is not valid or is expired.");
        }

        return new Ec2Paging(maxResults, after);
    }

    /// <summary>The page and the token for the next one (null on the last page).</summary>
    public (IReadOnlyList<T> Items, string? NextToken) Apply<T>(IEnumerable<T> items, Func<T, string> id)
    {
        if (!IsPaged)
        {
            return ([.. items], null);
        }

        var ordered = items.OrderBy(id, StringComparer.Ordinal).Where(i => _after is null || string.CompareOrdinal(id(i), _after) > 0).ToList();
        var size = _maxResults ?? 1000;
        if (ordered.Count <= size)
        {
            return (ordered, null);
        }

        var page = ordered.GetRange(0, size);
        return (page, Encode(id(page[^1])));
    }

    private static string Encode(string id) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes("after:" + id));

    private static string? Decode(string token)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token));
            return text.StartsWith("after:", StringComparison.Ordinal) && text.Length > 6 ? text[6..] : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
