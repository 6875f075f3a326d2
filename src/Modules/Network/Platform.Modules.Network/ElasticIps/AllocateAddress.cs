using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Modules.Network.Addressing;
using Platform.Modules.Network.Persistence;
using Platform.Modules.Network.Tagging;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Ids;
using Platform.Modules.Shared.Messaging;
using Platform.Modules.Shared.Tagging;

namespace Platform.Modules.Network.ElasticIps;

/// <summary>
/// Takes an elastic IP from the operator's pool, a given one (it must be in the pool and free) or any free one.
/// Past the account's limit (<c>Network:PublicAddresses:PerAccountLimit</c>, 5 as on AWS): AddressLimitExceeded.
/// </summary>
/// <param name="Tags">Tags the address is allocated with (EC2's TagSpecification), saved with it.</param>
internal sealed record AllocateAddress(string Region, string? Address, IReadOnlyList<ResourceTag>? Tags = null) : IRequest<AddressResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("ec2:AllocateAddress", NetworkArns.ElasticIp(Region, caller.AccountId, "*"));

    public void Validate() => ResourceTags.Validate(Tags);
}

/// <summary>
/// Race-free across replicas without a lock: the unique address column lets one of two allocations of an address insert
/// (the other picks again from a random point), and an account's allocations past its limit, in the order they were made,
/// take themselves back after their insert, so concurrent allocations never leave the account above its limit.
/// </summary>
internal sealed class AllocateAddressHandler(NetworkDbContext db, ICallerContext caller, IOptions<NetworkOptions> options)
    : IRequestHandler<AllocateAddress, AddressResponse>
{
    private const int Attempts = 32;

    public async ValueTask<AddressResponse> Handle(AllocateAddress request, CancellationToken cancellationToken)
    {
        var pool = PublicAddressPool.From(options) ?? throw NetworkErrors.NoPublicAddressPool();
        var accountId = caller.Identity.AccountId;
        uint? wanted = null;
        if (request.Address is not null)
        {
            if (!Ipv4.TryParse(request.Address, out var parsed))
            {
                throw ApiErrors.InvalidParameterValue($"Value ({request.Address}) for parameter address is invalid. This is not a valid IPv4 address.");
            }

            if (!pool.Contains(parsed))
            {
                throw ApiErrors.InvalidParameterValue(
                    $"The address {request.Address} is not in the public address pool ({Ipv4.Format(pool.First)}-{Ipv4.Format(pool.Last)}).");
            }

            wanted = parsed;
        }

        for (var attempt = 0; ; attempt++)
        {
            if (await db.ElasticAddresses.CountAsync(a => a.AccountId == accountId, cancellationToken) >= pool.PerAccountLimit)
            {
                throw NetworkErrors.AddressLimitExceeded();
            }

            var address = wanted ?? await PickAsync(db, pool, attempt, cancellationToken) ?? throw new ApiException(
                400, "InsufficientAddressCapacity", "There are no free addresses left in the public address pool.");
            var allocation = new ElasticAddress
            {
                AllocationId = ResourceIds.New("eipalloc"),
                AccountId = accountId,
                PublicIp = Ipv4.Format(address),
                AddressValue = address,
                AllocatedAt = DateTime.UtcNow,
            };
            db.ElasticAddresses.Add(allocation);
            NetworkTagStore.Add(db, accountId, allocation.AllocationId, request.Tags);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException) when (wanted is null && attempt < Attempts)
            {
                db.ChangeTracker.Clear();
                continue;
            }
            catch (DbUpdateException)
            {
                throw wanted is null ? NetworkErrors.Busy() : new ApiException(400, "InvalidAddress.InUse", $"The address {request.Address} is already allocated.");
            }

            await EnsureWithinLimitAsync(allocation, pool.PerAccountLimit, cancellationToken);
            return AddressResponse.From(allocation, null) with { Tags = request.Tags ?? [] };
        }
    }

    /// <summary>A free address of the pool (from a random point after a lost race); load balancers take theirs the same way.</summary>
    /// <param name="taken">Addresses picked already for the same insert (a load balancer's other nodes).</param>
    internal static async Task<uint?> PickAsync(NetworkDbContext db, PublicAddressPool pool, int attempt, CancellationToken cancellationToken, IReadOnlyCollection<uint>? taken = null)
    {
        var used = (await db.ElasticAddresses.AsNoTracking().Select(a => a.AddressValue).ToListAsync(cancellationToken)).Select(v => (uint)v).Concat(taken ?? []).ToHashSet();
        var size = (long)pool.Last - pool.First + 1;
        var start = attempt == 0 ? 0 : Random.Shared.NextInt64(size);
        for (long i = 0; i < size; i++)
        {
            var candidate = (uint)(pool.First + ((start + i) % size));
            if (pool.Contains(candidate) && !used.Contains(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private async Task EnsureWithinLimitAsync(ElasticAddress allocation, int limit, CancellationToken cancellationToken)
    {
        var kept = await db.ElasticAddresses.AsNoTracking().Where(a => a.AccountId == allocation.AccountId)
            .OrderBy(a => a.AllocatedAt).ThenBy(a => a.AllocationId).Select(a => a.AllocationId).Take(limit).ToListAsync(cancellationToken);
        if (kept.Contains(allocation.AllocationId))
        {
            return;
        }

        await NetworkTagStore.RemoveAllAsync(db, [allocation.AllocationId], cancellationToken);
        db.ElasticAddresses.Remove(allocation);
        await db.SaveChangesAsync(cancellationToken);
        throw NetworkErrors.AddressLimitExceeded();
    }
}
