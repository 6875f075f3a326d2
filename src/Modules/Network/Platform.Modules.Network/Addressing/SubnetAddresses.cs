namespace Platform.Modules.Network.Addressing;

/// <summary>
/// Which addresses of a subnet may be given to interfaces. As in AWS, the first four (network, router,
/// DNS, reserved for future use) and the last (broadcast) are never handed out.
/// </summary>
internal static class SubnetAddresses
{
    public const int ReservedCount = 5;

    public static uint Gateway(Ipv4Cidr subnet) => subnet.Network + 1;

    public static uint FirstAssignable(Ipv4Cidr subnet) => subnet.Network + 4;

    public static uint LastAssignable(Ipv4Cidr subnet) => subnet.Last - 1;

    public static long AssignableCount(Ipv4Cidr subnet) => subnet.Size - ReservedCount;

    public static bool IsAssignable(Ipv4Cidr subnet, uint address) =>
        address >= FirstAssignable(subnet) && address <= LastAssignable(subnet);

    /// <summary>
    /// A free address, scanning from <paramref name="startOffset"/> (0 = the lowest assignable) and wrapping
    /// around; null when the subnet is full. Callers retrying after losing a race start at a random offset,
    /// so concurrent allocators spread out instead of all reaching for the same lowest address.
    /// </summary>
    public static uint? PickFree(Ipv4Cidr subnet, IReadOnlySet<uint> used, long startOffset = 0)
    {
        var count = AssignableCount(subnet);
        if (count <= 0)
        {
            return null;
        }

        var first = FirstAssignable(subnet);
        for (long i = 0; i < count; i++)
        {
            var candidate = (uint)(first + ((startOffset + i) % count));
            if (!used.Contains(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
