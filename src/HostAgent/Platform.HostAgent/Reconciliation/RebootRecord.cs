using System.Globalization;
using System.Xml.Linq;
using Platform.HostAgent.Libvirt;

namespace Platform.HostAgent.Reconciliation;

/// <summary>A reboot asked of a running guest: the reboot count it carries out, and when the guest was asked.</summary>
internal sealed record RebootRequest(int Count, DateTimeOffset At);

/// <summary>
/// What a domain's metadata says about reboots: the last reboot count carried out (<c>&lt;platform:reboots&gt;</c>) and a
/// request under way (<c>&lt;platform:reboot-asked count= at=/&gt;</c>). Kept in libvirt with the domain, beside the owner and
/// image, so it outlives the agent.
/// </summary>
/// <param name="Done">Null for a domain defined before the agent kept the count.</param>
internal sealed record RebootRecord(XElement Element, int? Done, RebootRequest? Asked)
{
    public const string DoneElement = "reboots";
    private const string AskedElement = "reboot-asked";

    public static RebootRecord Read(LibvirtDomain domain)
    {
        var element = domain.GetMetadata(DomainDefinition.MetadataNamespace) is { } xml ? XElement.Parse(xml) : new XElement("instance");
        var done = int.TryParse((string?)element.Element(DoneElement), NumberStyles.None, CultureInfo.InvariantCulture, out var count) ? count : (int?)null;
        var asked = element.Element(AskedElement) is { } request
            && int.TryParse((string?)request.Attribute("count"), NumberStyles.None, CultureInfo.InvariantCulture, out var askedCount)
            && DateTimeOffset.TryParse((string?)request.Attribute("at"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
                ? new RebootRequest(askedCount, at)
                : null;
        return new RebootRecord(element, done, asked);
    }

    public RebootRecord With(int done, RebootRequest? asked)
    {
        var element = new XElement(Element);
        element.SetElementValue(DoneElement, done.ToString(CultureInfo.InvariantCulture));
        element.Element(AskedElement)?.Remove();
        if (asked is not null)
        {
            element.Add(new XElement(AskedElement,
                new XAttribute("count", asked.Count.ToString(CultureInfo.InvariantCulture)),
                new XAttribute("at", asked.At.ToString("O", CultureInfo.InvariantCulture))));
        }

        return new RebootRecord(element, done, asked);
    }

    /// <summary>Into the running domain and its persistent definition (libvirt keeps the other elements: owner, image).</summary>
    public void Write(LibvirtDomain domain) =>
        domain.SetMetadata(DomainDefinition.MetadataNamespace, "platform", Element.ToString(SaveOptions.DisableFormatting));
}

/// <summary>
/// The start count (<see cref="DesiredInstance.StartCount"/>) the agent last started a domain for
/// (<c>&lt;platform:starts&gt;</c> in its metadata), so that a restarted agent still tells a guest that powered itself off
/// since then (it stays off) from one a new start request is for.
/// </summary>
internal static class StartRecord
{
    public const string Element = "starts";

    public static int? Read(LibvirtDomain domain) =>
        domain.GetMetadata(DomainDefinition.MetadataNamespace) is { } xml
        && int.TryParse((string?)XElement.Parse(xml).Element(Element), NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            ? count
            : null;

    public static void Write(LibvirtDomain domain, int count)
    {
        var element = domain.GetMetadata(DomainDefinition.MetadataNamespace) is { } xml ? XElement.Parse(xml) : new XElement("instance");
        if ((string?)element.Element(Element) == count.ToString(CultureInfo.InvariantCulture))
        {
            return;
        }

        element.SetElementValue(Element, count.ToString(CultureInfo.InvariantCulture));
        domain.SetMetadata(DomainDefinition.MetadataNamespace, "platform", element.ToString(SaveOptions.DisableFormatting));
    }
}
