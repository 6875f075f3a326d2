using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.HostAgent.Protocol;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Iam.Contracts;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Compute.Instances.Profiles;

/// <summary>
/// The credentials an agent's metadata service hands the instance for its IAM instance profile (<see cref="AgentApi.Instances"/>):
/// a new session of the profile's role from IAM, for the instance's current association. Only the server the instance is placed
/// on may ask, and only while the instance runs there with a profile; any other instance, another server's above all, is as
/// unknown as a missing one, so a server's credential is never a key to the instances it does not run.
/// </summary>
internal sealed record IssueHostInstanceCredentials(string HostId, string InstanceId) : IRequest<InstanceProfileCredentials>;

internal sealed class IssueHostInstanceCredentialsHandler(ComputeDbContext db, ISender sender) : IRequestHandler<IssueHostInstanceCredentials, InstanceProfileCredentials>
{
    public async ValueTask<InstanceProfileCredentials> Handle(IssueHostInstanceCredentials request, CancellationToken cancellationToken)
    {
        InstanceLookup.EnsureWellFormed(request.InstanceId);
        var instance = await db.Instances.AsNoTracking().SingleOrDefaultAsync(i => i.Id == request.InstanceId && i.HostId == request.HostId, cancellationToken);
        if (instance is null || instance.State is InstanceStates.Terminated or InstanceStates.ShuttingDown || instance.DesiredPower != DesiredPowers.Running)
        {
            throw ApiErrors.NotFound("InvalidInstanceID.NotFound", $"The instance ID '{request.InstanceId}' does not run on this host");
        }

        if (instance is not { IamInstanceProfileArn: { } arn, IamInstanceProfileId: { } profileId, IamInstanceProfileAssociationId: { } associationId })
        {
            throw ApiErrors.NotFound("InvalidAssociationID.NotFound", $"The instance {instance.Id} has no IAM instance profile");
        }

        var issued = await sender.Send(new IssueInstanceRoleCredentials(instance.AccountId, arn, instance.Id, profileId), cancellationToken);
        return new InstanceProfileCredentials(instance.Id, associationId, arn, profileId, issued.Code, issued.Message,
            new DateTimeOffset(DateTime.SpecifyKind(issued.LastUpdated, DateTimeKind.Utc)), issued.RoleName, issued.AccessKeyId, issued.SecretAccessKey,
            issued.Token, issued.Expiration is { } expiration ? new DateTimeOffset(DateTime.SpecifyKind(expiration, DateTimeKind.Utc)) : null);
    }
}
