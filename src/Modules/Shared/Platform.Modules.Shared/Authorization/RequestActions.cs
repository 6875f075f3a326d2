namespace Platform.Modules.Shared.Authorization;

/// <summary>
/// The actions the current request was checked for, in the order they were checked (allowed or not): the first names
/// the call (<c>ec2:CreateVpc</c>), the resources are what it touched. Filled where authorization names them, read
/// once the request is over by whoever records it (the audit trail). Scoped: one per request.
/// </summary>
public sealed class RequestActions
{
    private readonly List<PermissionRequirement> _checked = [];

    public IReadOnlyList<PermissionRequirement> Checked => _checked;

    public void Add(PermissionRequirement requirement)
    {
        lock (_checked)
        {
            _checked.Add(requirement);
        }
    }
}
