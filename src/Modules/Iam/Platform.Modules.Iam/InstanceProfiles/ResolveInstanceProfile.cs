using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Iam.Contracts;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Iam.InstanceProfiles;

internal sealed class ResolveInstanceProfileHandler(IamDbContext db) : IRequestHandler<ResolveInstanceProfile, ResolvedInstanceProfile>
{
    public async ValueTask<ResolvedInstanceProfile> Handle(ResolveInstanceProfile request, CancellationToken cancellationToken)
    {
        if (request.Arn is not null && request.Name is not null)
        {
            throw new ApiException(400, "InvalidParameterCombination",
                "The parameter 'iamInstanceProfile.name' may not be used in combination with 'iamInstanceProfile.arn'");
        }

        if (request.Arn is null && request.Name is null)
        {
            throw ApiErrors.MissingParameter("The request must contain the parameter iamInstanceProfile.arn or iamInstanceProfile.name");
        }

        // An ARN names its account and path: only the caller's account's profile with exactly that ARN is found.
        var name = request.Name ?? request.Arn![(request.Arn!.LastIndexOf('/') + 1)..];
        var normalized = name.ToLowerInvariant();
        var profile = name.Length is > 0 and <= 128
            ? await db.InstanceProfiles.AsNoTracking().SingleOrDefaultAsync(p => p.AccountId == request.AccountId && p.NormalizedName == normalized, cancellationToken)
            : null;
        var arn = profile is null ? null : IamArns.InstanceProfile(profile.AccountId, profile.Path, profile.Name);
        if (profile is null || (request.Arn is not null && !string.Equals(arn, request.Arn, StringComparison.Ordinal)))
        {
            throw request.Arn is not null
                ? ApiErrors.InvalidParameterValue($"Value ({request.Arn}) for parameter iamInstanceProfile.arn is invalid. Invalid IAM Instance Profile ARN")
                : ApiErrors.InvalidParameterValue($"Value ({request.Name}) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name");
        }

        var role = profile.RoleId is null ? null : await db.Roles.AsNoTracking().SingleOrDefaultAsync(r => r.Id == profile.RoleId, cancellationToken);
        return new ResolvedInstanceProfile(arn!, profile.Id, profile.Name, role is null ? null : IamArns.Role(role.AccountId, role.Path, role.RoleName), role?.RoleName);
    }
}
