using Platform.HostAgent.Protocol;

namespace Platform.HostAgent.Metadata;

/// <summary>
/// The metadata service's answer to one guest's request, whatever carried it (<see cref="MetadataEndpoint"/> on the switch):
/// the pure <see cref="MetadataResponder"/>, handed the instance profile's credentials from the agent's cache when, and only
/// when, the answer shows them.
/// </summary>
public sealed class GuestMetadata(MetadataResponder responder, InstanceCredentialCache? credentials)
{
    public async Task<MetadataAnswer> AnswerAsync(MetadataGuest guest, MetadataRequest request, CancellationToken cancellationToken)
    {
        if (credentials is not null && guest.Metadata.IamInstanceProfile is { } profile && responder.NeedsCredentials(guest, request))
        {
            guest = guest with { Credentials = await credentials.GetAsync(guest.Instance.InstanceId, profile, cancellationToken) };
        }

        return responder.Answer(guest, request);
    }

    /// <summary>
    /// Fetches (or renews, when due) the role credentials of the guests answered that have an instance profile, beside their
    /// requests: a guest just started or given a profile finds its keys in memory at its first request.
    /// </summary>
    public Task PrefetchAsync(IEnumerable<MetadataGuest> guests) => credentials is null
        ? Task.CompletedTask
        : Task.WhenAll(guests.Where(g => g.Metadata.IamInstanceProfile is not null).DistinctBy(g => g.Instance.InstanceId)
            .Select(g => credentials.PrefetchAsync(g.Instance.InstanceId, g.Metadata.IamInstanceProfile!)));

    /// <summary>Forgets the credentials of instances the service no longer answers.</summary>
    public void Retain(IEnumerable<MetadataGuest> guests) =>
        credentials?.Retain(guests.Where(g => g.Metadata.IamInstanceProfile is not null).Select(g => g.Instance.InstanceId).ToHashSet(StringComparer.Ordinal));
}
