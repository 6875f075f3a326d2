using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.Images;
using Platform.Modules.Compute.Instances;
using Platform.Modules.Compute.InstanceTypes;
using Platform.Modules.Compute.KeyPairs;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Compute.AutoScaling.LaunchTemplates;

/// <summary>What a launch template version holds (EC2's RequestLaunchTemplateData, the parts this platform launches with).</summary>
internal sealed record LaunchTemplateData(
    string? ImageId,
    string? InstanceType,
    string? KeyName,
    List<string>? SecurityGroups,
    string? UserData,
    List<TagSpecification>? Tags)
{
    public void Validate()
    {
        if (ImageId is not null)
        {
            ImageLookup.EnsureWellFormed(ImageId);
        }

        if (InstanceType is not null && InstanceTypeCatalog.Find(InstanceType) is null)
        {
            throw ApiErrors.InvalidParameterValue($"Invalid value '{InstanceType}' for InstanceType.");
        }

        // The rest is RunInstances' own rules, checked as a launch would check them.
        new RunInstances(InstanceType ?? "t3.micro", ImageId ?? "ami-00000000", KeyName, SecurityGroups, null, null, Tags, null, UserData).Validate();
    }

    public static LaunchTemplateData From(LaunchTemplateVersion version) => new(version.ImageId, version.InstanceType, version.KeyName,
        JsonSerializer.Deserialize<List<string>>(version.SecurityGroups), version.UserData, JsonSerializer.Deserialize<List<TagSpecification>>(version.Tags));

    /// <summary>This data over <paramref name="source"/>'s (CreateLaunchTemplateVersion with a source version): what is given replaces.</summary>
    public LaunchTemplateData Over(LaunchTemplateData source) => new(ImageId ?? source.ImageId, InstanceType ?? source.InstanceType, KeyName ?? source.KeyName,
        SecurityGroups ?? source.SecurityGroups, UserData ?? source.UserData, Tags ?? source.Tags);
}

internal sealed record LaunchTemplateResponse(
    string LaunchTemplateId,
    string LaunchTemplateName,
    DateTime CreateTime,
    long DefaultVersionNumber,
    long LatestVersionNumber);

internal sealed record LaunchTemplateVersionResponse(
    string LaunchTemplateId,
    string LaunchTemplateName,
    long VersionNumber,
    string? VersionDescription,
    bool DefaultVersion,
    DateTime CreateTime,
    LaunchTemplateData LaunchTemplateData);

internal static partial class LaunchTemplateLookup
{
    public static LaunchTemplateResponse Response(LaunchTemplate t) => new(t.Id, t.Name, t.CreatedAt, t.DefaultVersion, t.LatestVersion);

    public static LaunchTemplateVersionResponse Response(LaunchTemplate t, LaunchTemplateVersion v) =>
        new(t.Id, t.Name, v.VersionNumber, v.Description, v.VersionNumber == t.DefaultVersion, v.CreatedAt, LaunchTemplateData.From(v));

    public static void EnsureName(string? name)
    {
        if (name is null || !Name().IsMatch(name))
        {
            throw ApiErrors.InvalidParameterValue("launch_template_name must be 3 to 128 characters: letters, digits, ( ) . / - _.");
        }
    }

    /// <summary>The account's template by id or name; another account's is as absent as a missing one.</summary>
    public static async Task<LaunchTemplate> OwnedAsync(ComputeDbContext db, string accountId, string? id, string? name, CancellationToken cancellationToken)
    {
        if ((id is null) == (name is null))
        {
            throw ApiErrors.InvalidParameterValue("Give one of launch_template_id and launch_template_name.");
        }

        var template = id is not null
            ? await db.LaunchTemplates.SingleOrDefaultAsync(t => t.Id == id && t.AccountId == accountId, cancellationToken)
            : await db.LaunchTemplates.SingleOrDefaultAsync(t => t.Name == name && t.AccountId == accountId, cancellationToken);
        return template ?? throw (id is not null
            ? new ApiException(400, "InvalidLaunchTemplateId.NotFound", $"The specified launch template, with template ID {id}, does not exist.")
            : new ApiException(400, "InvalidLaunchTemplateName.NotFoundException", $"The specified launch template, with template name {name}, does not exist."));
    }

    /// <summary><c>$Latest</c>, <c>$Default</c> or a version number, resolved against the template; null: none such.</summary>
    public static long? Resolve(LaunchTemplate template, string? version) => version switch
    {
        null or "$Default" => template.DefaultVersion,
        "$Latest" => template.LatestVersion,
        _ when long.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= 1 && number <= template.LatestVersion => number,
        _ => null,
    };

    public static void EnsureVersionSyntax(string? version)
    {
        if (version is not null and not "$Latest" and not "$Default"
            && !(long.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1))
        {
            throw ApiErrors.InvalidParameterValue($"The version '{version}' is not $Latest, $Default or a version number.");
        }
    }

    public static ApiException VersionNotFound(LaunchTemplate template, string? version) =>
        new(400, "InvalidLaunchTemplateId.VersionNotFound", $"Could not find launch template version {version} for launch template {template.Id}.");

    [GeneratedRegex(@"^[a-zA-Z0-9().\-/_]{3,128}$")]
    private static partial Regex Name();
}
