using System.Text.Json;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Ids;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Compute.AutoScaling.LaunchTemplates;

/// <summary>EC2's CreateLaunchTemplate: a template with its version 1, the default.</summary>
internal sealed record CreateLaunchTemplate(string? LaunchTemplateName, string? VersionDescription, LaunchTemplateData? LaunchTemplateData)
    : IRequest<LaunchTemplateResponse>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("ec2:CreateLaunchTemplate", Arns.Build("ec2", region, caller.AccountId, "launch-template/*"));

    public void Validate()
    {
        LaunchTemplateLookup.EnsureName(LaunchTemplateName);
        if (LaunchTemplateData is null)
        {
            throw ApiErrors.MissingParameter("The request must contain the parameter launch_template_data.");
        }

        LaunchTemplateData.Validate();
        if (VersionDescription is { Length: > 255 })
        {
            throw ApiErrors.InvalidParameterValue("version_description is at most 255 characters.");
        }
    }
}

internal sealed class CreateLaunchTemplateHandler(ComputeDbContext db, ICallerContext caller, TimeProvider clock)
    : IRequestHandler<CreateLaunchTemplate, LaunchTemplateResponse>
{
    public async ValueTask<LaunchTemplateResponse> Handle(CreateLaunchTemplate request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        if (await db.LaunchTemplates.AnyAsync(t => t.AccountId == accountId && t.Name == request.LaunchTemplateName, cancellationToken))
        {
            throw AlreadyExists(request.LaunchTemplateName!);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var id = ResourceIds.New("lt");
        var template = new LaunchTemplate
        {
            Id = id,
            AccountId = accountId,
            Name = request.LaunchTemplateName!,
            DefaultVersion = 1,
            LatestVersion = 1,
            CreatedAt = now,
            Versions = [Version(id, 1, request.VersionDescription, request.LaunchTemplateData!, now)],
        };
        db.LaunchTemplates.Add(template);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // The unique (account, name) index: another request with this name committed first.
            throw AlreadyExists(request.LaunchTemplateName!);
        }

        return LaunchTemplateLookup.Response(template);
    }

    public static LaunchTemplateVersion Version(string templateId, long number, string? description, LaunchTemplateData data, DateTime now) => new()
    {
        TemplateId = templateId,
        VersionNumber = number,
        Description = description,
        ImageId = data.ImageId,
        InstanceType = data.InstanceType,
        KeyName = data.KeyName,
        SecurityGroups = JsonSerializer.Serialize(data.SecurityGroups ?? []),
        UserData = data.UserData,
        Tags = JsonSerializer.Serialize(data.Tags ?? []),
        CreatedAt = now,
    };

    private static ApiException AlreadyExists(string name) => new(400, "InvalidLaunchTemplateName.AlreadyExistsException",
        $"Launch template name already in use: {name}");
}
