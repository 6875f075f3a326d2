using Mediator;
using Platform.Modules.Iam.Contracts;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Compute.Instances.Profiles;

/// <summary>EC2's IamInstanceProfileSpecification: the profile by ARN or by name (exactly one).</summary>
internal sealed record IamInstanceProfileSpecification(string? Arn, string? Name);

/// <summary>EC2's IamInstanceProfile as DescribeInstances and the association calls show it.</summary>
internal sealed record IamInstanceProfileResponse(string Arn, string Id);

/// <summary>
/// Gives an instance a profile as EC2 does: IAM finds the profile in the caller's account (by the Mediator contract, never
/// its tables) and the caller must be allowed iam:PassRole on its role, since the instance will act as that role.
/// </summary>
internal sealed class InstanceProfileGrants(ISender sender, ICallerContext caller, IAccessAuthorizer authorizer)
{
    public async Task<ResolvedInstanceProfile> ResolveAsync(string accountId, IamInstanceProfileSpecification specification, CancellationToken cancellationToken)
    {
        var profile = await sender.Send(new ResolveInstanceProfile(accountId, Blank(specification.Arn), Blank(specification.Name)), cancellationToken);
        if (profile.RoleArn is { } roleArn)
        {
            await authorizer.EnsureAllowedAsync(caller, new PermissionRequirement("iam:PassRole", roleArn), cancellationToken);
        }

        return profile;
    }

    private static string? Blank(string? value) => string.IsNullOrEmpty(value) ? null : value;

    public static ApiException AssociationNotFound(string associationId) =>
        new(400, "InvalidAssociationID.NotFound", $"An association ID '{associationId}' does not exist");
}
