using System.Text.RegularExpressions;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.Hosts;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Ids;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Compute.Images;

/// <summary>
/// Registers an image; it is <c>pending</c> until its parts are uploaded (kernel and initrd, or one qcow2
/// disk), then <c>available</c>. Public images, launchable by every account, are the operator's to publish.
/// </summary>
internal sealed partial record RegisterImage(string? Name, string? Description, string? Format, string? CommandLine, bool Public)
    : IRequest<ImageResponse>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("ec2:RegisterImage", Arns.Build("ec2", region, "", "image/*"));

    public void Validate()
    {
        Parameter.Required(Name, "name");
        Parameter.Length(Name, "name", 3, 128);
        Parameter.Matches(Name, "name", NamePattern());
        Parameter.Required(Format, "format");
        Parameter.OneOf(Format, "format", ImageFormats.Kernel, ImageFormats.Qcow2);
        if (Description is { Length: > 255 })
        {
            throw ApiErrors.InvalidParameterValue("description must be at most 255 characters.");
        }

        if (CommandLine is { } line && (line.Length > 1024 || line.Any(char.IsControl) || line.Contains("platform.", StringComparison.Ordinal)))
        {
            throw ApiErrors.InvalidParameterValue("command_line must be at most 1024 printable characters and must not set platform.* parameters.");
        }

        if (CommandLine is not null && Format == ImageFormats.Qcow2)
        {
            throw ApiErrors.InvalidParameterValue("command_line applies to kernel images only.");
        }
    }

    /// <summary>EC2's AMI name characters.</summary>
    [GeneratedRegex(@"^[A-Za-z0-9()\[\] ./\-'@_]+$")]
    private static partial Regex NamePattern();
}

internal sealed class RegisterImageHandler(ComputeDbContext db, ICallerContext caller, ISender sender, TimeProvider clock)
    : IRequestHandler<RegisterImage, ImageResponse>
{
    public async ValueTask<ImageResponse> Handle(RegisterImage request, CancellationToken cancellationToken)
    {
        if (request.Public)
        {
            await OperatorCheck.EnsureOperatorAsync(sender, caller, cancellationToken);
        }

        var image = new MachineImage
        {
            Id = ResourceIds.New("ami"),
            AccountId = caller.Identity.AccountId,
            Name = request.Name!,
            Description = request.Description,
            Format = request.Format!,
            CommandLine = request.CommandLine?.Trim() ?? "",
            State = ImageStates.Pending,
            IsPublic = request.Public,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.Images.Add(image);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            var existing = await db.Images.AsNoTracking()
                .Where(i => i.AccountId == image.AccountId && i.Name == image.Name && i.State != ImageStates.Deregistered).Select(i => i.Id).FirstOrDefaultAsync(cancellationToken);
            if (existing is null)
            {
                throw;
            }

            throw new ApiException(400, "InvalidAMIName.Duplicate", $"AMI name {request.Name} is already in use by AMI {existing}");
        }

        return ImageResponse.From(image);
    }
}
