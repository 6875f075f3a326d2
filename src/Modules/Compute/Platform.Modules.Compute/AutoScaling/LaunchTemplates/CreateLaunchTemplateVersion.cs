using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Compute.AutoScaling.LaunchTemplates;

/// <summary>EC2's CreateLaunchTemplateVersion: the next number, from the data given over a source version's if named.</summary>
internal sealed record CreateLaunchTemplateVersion(string LaunchTemplateName, string? SourceVersion, string? VersionDescription, LaunchTemplateData? LaunchTemplateData)
    : IRequest<LaunchTemplateVersionResponse>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("ec2:CreateLaunchTemplateVersion", Arns.Build("ec2", region, caller.AccountId, "launch-template/*"));

    public void Validate()
    {
        if (LaunchTemplateData is null)
        {
            throw ApiErrors.MissingParameter("The request must contain the parameter launch_template_data.");
        }

        LaunchTemplateData.Validate();
        LaunchTemplateLookup.EnsureVersionSyntax(SourceVersion);
    }
}

internal sealed class CreateLaunchTemplateVersionHandler(ComputeDbContext db, ICallerContext caller, TimeProvider clock)
    : IRequestHandler<CreateLaunchTemplateVersion, LaunchTemplateVersionResponse>
{
    public async ValueTask<LaunchTemplateVersionResponse> Handle(CreateLaunchTemplateVersion request, CancellationToken cancellationToken) =>
        await ConcurrencyRetry.RunAsync(db, async () =>
        {
            var template = await LaunchTemplateLookup.OwnedAsync(db, caller.Identity.AccountId, null, request.LaunchTemplateName, cancellationToken);
            var data = request.LaunchTemplateData!;
            if (request.SourceVersion is not null)
            {
                var number = LaunchTemplateLookup.Resolve(template, request.SourceVersion) ?? throw LaunchTemplateLookup.VersionNotFound(template, request.SourceVersion);
                var source = await db.LaunchTemplateVersions.AsNoTracking().SingleAsync(v => v.TemplateId == template.Id && v.VersionNumber == number, cancellationToken);
                data = data.Over(LaunchTemplateData.From(source));
            }

            template.LatestVersion++;
            var version = CreateLaunchTemplateHandler.Version(template.Id, template.LatestVersion, request.VersionDescription, data, clock.GetUtcNow().UtcDateTime);
            db.LaunchTemplateVersions.Add(version);
            await db.SaveChangesAsync(cancellationToken);
            return LaunchTemplateLookup.Response(template, version);
        });
}
