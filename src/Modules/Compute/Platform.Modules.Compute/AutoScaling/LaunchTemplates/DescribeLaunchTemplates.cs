using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Compute.AutoScaling.LaunchTemplates;

internal sealed record LaunchTemplatesResponse(IReadOnlyList<LaunchTemplateResponse> LaunchTemplates);

internal sealed record LaunchTemplateVersionsResponse(IReadOnlyList<LaunchTemplateVersionResponse> LaunchTemplateVersions);

/// <summary>EC2's DescribeLaunchTemplates: the account's templates, or those named.</summary>
internal sealed record DescribeLaunchTemplates(IReadOnlyList<string> Names) : IRequest<LaunchTemplatesResponse>, IRequiresRegionalPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("ec2:DescribeLaunchTemplates", Arns.Build("ec2", region, caller.AccountId, "launch-template/*"));
}

internal sealed class DescribeLaunchTemplatesHandler(ComputeDbContext db, ICallerContext caller) : IRequestHandler<DescribeLaunchTemplates, LaunchTemplatesResponse>
{
    public async ValueTask<LaunchTemplatesResponse> Handle(DescribeLaunchTemplates request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var names = request.Names.ToList();
        var templates = await db.LaunchTemplates.AsNoTracking().Where(t => t.AccountId == accountId && (names.Count == 0 || names.Contains(t.Name)))
            .OrderBy(t => t.Name).ToListAsync(cancellationToken);
        if (names.FirstOrDefault(n => templates.All(t => t.Name != n)) is { } missing)
        {
            throw new ApiException(400, "InvalidLaunchTemplateName.NotFoundException", $"At least one of the launch templates specified in the request does not exist: {missing}.");
        }

        return new LaunchTemplatesResponse(templates.Select(LaunchTemplateLookup.Response).ToList());
    }
}

/// <summary>EC2's DescribeLaunchTemplateVersions: all versions of a template, or those asked ($Latest, $Default, numbers).</summary>
internal sealed record DescribeLaunchTemplateVersions(string LaunchTemplateName, IReadOnlyList<string> Versions)
    : IRequest<LaunchTemplateVersionsResponse>, IRequiresRegionalPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("ec2:DescribeLaunchTemplateVersions", Arns.Build("ec2", region, caller.AccountId, "launch-template/*"));
}

internal sealed class DescribeLaunchTemplateVersionsHandler(ComputeDbContext db, ICallerContext caller)
    : IRequestHandler<DescribeLaunchTemplateVersions, LaunchTemplateVersionsResponse>
{
    public async ValueTask<LaunchTemplateVersionsResponse> Handle(DescribeLaunchTemplateVersions request, CancellationToken cancellationToken)
    {
        var template = await LaunchTemplateLookup.OwnedAsync(db, caller.Identity.AccountId, null, request.LaunchTemplateName, cancellationToken);
        var numbers = new List<long>();
        foreach (var asked in request.Versions)
        {
            LaunchTemplateLookup.EnsureVersionSyntax(asked);
            numbers.Add(LaunchTemplateLookup.Resolve(template, asked) ?? throw LaunchTemplateLookup.VersionNotFound(template, asked));
        }

        var versions = await db.LaunchTemplateVersions.AsNoTracking()
            .Where(v => v.TemplateId == template.Id && (numbers.Count == 0 || numbers.Contains(v.VersionNumber)))
            .OrderByDescending(v => v.VersionNumber).ToListAsync(cancellationToken);
        return new LaunchTemplateVersionsResponse(versions.Select(v => LaunchTemplateLookup.Response(template, v)).ToList());
    }
}
