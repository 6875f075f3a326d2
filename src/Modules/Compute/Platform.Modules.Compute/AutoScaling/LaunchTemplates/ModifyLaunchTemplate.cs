using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Compute.AutoScaling.LaunchTemplates;

/// <summary>EC2's ModifyLaunchTemplate: which version is <c>$Default</c>.</summary>
internal sealed record ModifyLaunchTemplate(string LaunchTemplateName, string? DefaultVersion)
    : IRequest<LaunchTemplateResponse>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("ec2:ModifyLaunchTemplate", Arns.Build("ec2", region, caller.AccountId, "launch-template/*"));

    public void Validate()
    {
        Parameter.Required(DefaultVersion, "default_version");
        LaunchTemplateLookup.EnsureVersionSyntax(DefaultVersion);
    }
}

internal sealed class ModifyLaunchTemplateHandler(ComputeDbContext db, ICallerContext caller) : IRequestHandler<ModifyLaunchTemplate, LaunchTemplateResponse>
{
    public async ValueTask<LaunchTemplateResponse> Handle(ModifyLaunchTemplate request, CancellationToken cancellationToken)
    {
        var template = await LaunchTemplateLookup.OwnedAsync(db, caller.Identity.AccountId, null, request.LaunchTemplateName, cancellationToken);
        template.DefaultVersion = LaunchTemplateLookup.Resolve(template, request.DefaultVersion) ?? throw LaunchTemplateLookup.VersionNotFound(template, request.DefaultVersion);
        await db.SaveChangesAsync(cancellationToken);
        return LaunchTemplateLookup.Response(template);
    }
}

/// <summary>EC2's DeleteLaunchTemplate; a template an Auto Scaling group uses is refused (ResourceInUse), as Auto Scaling would leave the group unable to launch.</summary>
internal sealed record DeleteLaunchTemplate(string LaunchTemplateName) : IRequest<LaunchTemplateResponse>, IRequiresRegionalPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("ec2:DeleteLaunchTemplate", Arns.Build("ec2", region, caller.AccountId, "launch-template/*"));
}

internal sealed class DeleteLaunchTemplateHandler(ComputeDbContext db, ICallerContext caller) : IRequestHandler<DeleteLaunchTemplate, LaunchTemplateResponse>
{
    public async ValueTask<LaunchTemplateResponse> Handle(DeleteLaunchTemplate request, CancellationToken cancellationToken)
    {
        var template = await LaunchTemplateLookup.OwnedAsync(db, caller.Identity.AccountId, null, request.LaunchTemplateName, cancellationToken);
        if (await db.ScalingGroups.AnyAsync(g => g.LaunchTemplateId == template.Id, cancellationToken))
        {
            throw new ApiException(400, "ResourceInUse", $"The launch template {template.Name} is used by an Auto Scaling group.");
        }

        db.LaunchTemplates.Remove(template);
        await db.LaunchTemplateVersions.Where(v => v.TemplateId == template.Id).ExecuteDeleteAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        return LaunchTemplateLookup.Response(template);
    }
}
