namespace Platform.Modules.Shared.Authentication;

/// <summary>
/// An endpoint shared by several services, as AWS's query endpoint is (<c>POST /</c> for iam, sts, …): a signature
/// scoped to any of them is accepted, and the scope's service (<see cref="SignedService"/>) says which one is asked.
/// </summary>
public sealed class SigningServiceSet(IEnumerable<string> names)
{
    public IReadOnlySet<string> Names { get; } = new SortedSet<string>(names, StringComparer.Ordinal);
}

/// <summary>The service of the verified signature's credential scope, set on the request by the SigV4 middleware.</summary>
public sealed record SignedService(string Name);
