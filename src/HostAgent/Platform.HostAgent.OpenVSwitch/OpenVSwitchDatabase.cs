using System.Text.Json;
using System.Text.Json.Nodes;
using Platform.HostAgent.OpenVSwitch.Ovsdb;

namespace Platform.HostAgent.OpenVSwitch;

/// <summary>The switch's configuration database as the agent uses it: bridges and ports, each operation idempotent.</summary>
public interface IOpenVSwitchDatabase
{
    /// <summary>Creates the bridge (with its local port) if missing, or corrects its datapath type, fail mode and protocols.</summary>
    Task EnsureBridgeAsync(BridgeSpec bridge, CancellationToken cancellationToken = default);

    /// <summary>The bridge's external_ids; empty if the bridge does not exist.</summary>
    Task<IReadOnlyDictionary<string, string>> GetBridgeExternalIdsAsync(string bridge, CancellationToken cancellationToken = default);

    /// <summary>Sets the keys of <paramref name="set"/> and deletes those of <paramref name="remove"/> in the bridge's external_ids, in one transaction; other keys are kept.</summary>
    Task UpdateBridgeExternalIdsAsync(string bridge, IReadOnlyDictionary<string, string> set, IReadOnlyCollection<string> remove, CancellationToken cancellationToken = default);

    /// <summary>Deletes the bridge with all its ports; nothing happens if it does not exist.</summary>
    Task RemoveBridgeAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Creates the port on the bridge if missing, moves it there from another bridge, or corrects it.</summary>
    Task EnsurePortAsync(string bridge, PortSpec port, CancellationToken cancellationToken = default);

    /// <summary>Removes the port from whichever bridge holds it; nothing happens if it does not exist.</summary>
    Task RemovePortAsync(string port, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<PortInfo>> ListPortsAsync(string bridge, CancellationToken cancellationToken = default);

    /// <summary>The port whose interface carries external_ids:iface-id = <paramref name="interfaceId"/> (as libvirt sets it), on any bridge.</summary>
    Task<PortInfo?> FindPortByInterfaceIdAsync(string interfaceId, CancellationToken cancellationToken = default);

    /// <summary>Waits until ovs-vswitchd has given the interface its OpenFlow port number, and returns it.</summary>
    Task<int> WaitForOfPortAsync(string interfaceName, TimeSpan timeout, CancellationToken cancellationToken = default);
}

/// <summary>
/// <see cref="IOpenVSwitchDatabase"/> over OVSDB's JSON-RPC protocol (RFC 7047) on ovsdb-server's
/// unix socket: reads with "select", changes in one "transact" each, guarded by "wait" so that two
/// writers racing to create the same row fail rather than make two. Reconnects when the server restarts.
/// </summary>
public sealed class OpenVSwitchDatabase(string socketPath = OvsdbClient.DefaultSocketPath) : IOpenVSwitchDatabase, IAsyncDisposable
{
    private const string Database = "Open_vSwitch";
    private static readonly string[] PortColumns = ["_uuid", "name", "interfaces", "tag", "external_ids"];
    private static readonly string[] InterfaceColumns = ["_uuid", "name", "type", "options", "external_ids", "ofport", "ofport_request", "mac_in_use", "error"];
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private OvsdbClient? _client;

    public string SocketPath { get; } = socketPath;

    public async Task EnsureBridgeAsync(BridgeSpec bridge, CancellationToken cancellationToken = default)
    {
        var found = await SelectAsync(cancellationToken,
            Select("Bridge", NameIs(bridge.Name), "_uuid", "datapath_type", "fail_mode", "protocols"),
            Select(Database, [], "_uuid"));
        var protocols = OvsdbValue.Set(bridge.Protocols.Select(p => (JsonNode?)JsonValue.Create(p)));
        if (found[0].Count == 0)
        {
            // Like ovs-vsctl add-br: the bridge gets an internal port of its own name (its LOCAL port).
            await TransactAsync(cancellationToken,
                WaitNone("Bridge", NameIs(bridge.Name)),
                Insert("Interface", "iface", new JsonObject { ["name"] = bridge.Name, ["type"] = "internal" }),
                Insert("Port", "port", new JsonObject { ["name"] = bridge.Name, ["interfaces"] = OvsdbValue.NamedUuid("iface") }),
                Insert("Bridge", "bridge", new JsonObject
                {
                    ["name"] = bridge.Name,
                    ["datapath_type"] = bridge.DatapathType,
                    ["fail_mode"] = bridge.FailMode,
                    ["protocols"] = protocols,
                    ["ports"] = OvsdbValue.NamedUuid("port"),
                }),
                Mutate(Database, UuidIs(Uuid(found[1][0])), "bridges", "insert", OvsdbValue.NamedUuid("bridge")));
            return;
        }

        var row = found[0][0];
        var current = OvsdbValue.ReadSet(row.GetProperty("protocols")).Select(p => p.GetString()).Order(StringComparer.Ordinal);
        if (row.GetProperty("datapath_type").GetString() != bridge.DatapathType
            || OvsdbValue.ReadOptional(row.GetProperty("fail_mode"))?.GetString() != bridge.FailMode
            || !current.SequenceEqual(bridge.Protocols.Order(StringComparer.Ordinal)))
        {
            await TransactAsync(cancellationToken, Update("Bridge", UuidIs(Uuid(row)), new JsonObject
            {
                ["datapath_type"] = bridge.DatapathType,
                ["fail_mode"] = bridge.FailMode,
                ["protocols"] = protocols,
            }));
        }
    }

    public async Task<IReadOnlyDictionary<string, string>> GetBridgeExternalIdsAsync(string bridge, CancellationToken cancellationToken = default)
    {
        var found = await SelectAsync(cancellationToken, Select("Bridge", NameIs(bridge), "external_ids"));
        return found[0].Count == 0 ? new Dictionary<string, string>() : OvsdbValue.ReadMap(found[0][0].GetProperty("external_ids"));
    }

    public async Task UpdateBridgeExternalIdsAsync(string bridge, IReadOnlyDictionary<string, string> set, IReadOnlyCollection<string> remove,
        CancellationToken cancellationToken = default)
    {
        if (set.Count == 0 && remove.Count == 0)
        {
            return;
        }

        // Mutations apply in order (RFC 7047 5.2.8): the keys go first, so "insert" (which never overwrites a key) sets the new values.
        var keys = remove.Concat(set.Keys).Distinct(StringComparer.Ordinal).Select(k => (JsonNode?)JsonValue.Create(k));
        var results = await TransactAsync(cancellationToken, new JsonObject
        {
            ["op"] = "mutate",
            ["table"] = "Bridge",
            ["where"] = NameIs(bridge),
            ["mutations"] = new JsonArray(
                new JsonArray("external_ids", "delete", OvsdbValue.Set(keys)),
                new JsonArray("external_ids", "insert", OvsdbValue.Map(set))),
        });
        if (results[0].GetProperty("count").GetInt32() == 0)
        {
            throw new OvsdbException($"Bridge {bridge} does not exist");
        }
    }

    public async Task RemoveBridgeAsync(string name, CancellationToken cancellationToken = default)
    {
        var found = await SelectAsync(cancellationToken, Select("Bridge", NameIs(name), "_uuid"), Select(Database, [], "_uuid"));
        if (found[0].Count == 0)
        {
            return;
        }

        // Bridges, ports and interfaces are not root tables: dropping the reference deletes them all.
        await TransactAsync(cancellationToken, Mutate(Database, UuidIs(Uuid(found[1][0])), "bridges", "delete", OvsdbValue.Uuid(Uuid(found[0][0]))));
    }

    public async Task EnsurePortAsync(string bridge, PortSpec port, CancellationToken cancellationToken = default)
    {
        var found = await SelectAsync(cancellationToken,
            Select("Bridge", NameIs(bridge), "_uuid", "ports"),
            Select("Port", NameIs(port.Name), PortColumns),
            Select("Interface", NameIs(port.Name), InterfaceColumns));
        if (found[0].Count == 0)
        {
            throw new OvsdbException($"Bridge {bridge} does not exist");
        }

        var bridgeUuid = Uuid(found[0][0]);
        var onBridge = found[1].Count > 0 && OvsdbValue.ReadUuids(found[0][0].GetProperty("ports")).Contains(Uuid(found[1][0]));
        if (!onBridge || found[2].Count == 0)
        {
            var operations = new List<JsonObject>();
            if (found[1].Count > 0)
            {
                // On another bridge (or broken): take it off every bridge, then create it afresh here.
                operations.Add(new JsonObject
                {
                    ["op"] = "mutate",
                    ["table"] = "Bridge",
                    ["where"] = new JsonArray(OvsdbValue.Condition("ports", "includes", OvsdbValue.Uuid(Uuid(found[1][0])))),
                    ["mutations"] = new JsonArray(new JsonArray("ports", "delete", OvsdbValue.Uuid(Uuid(found[1][0])))),
                });
            }
            else
            {
                operations.Add(WaitNone("Port", NameIs(port.Name)));
            }

            var interfaceRow = new JsonObject
            {
                ["name"] = port.Name,
                ["type"] = port.Type,
                ["options"] = OvsdbValue.Map(port.Options),
                ["external_ids"] = OvsdbValue.Map(port.ExternalIds),
                ["ofport_request"] = OvsdbValue.Optional(port.OfPortRequest),
            };
            operations.Add(Insert("Interface", "iface", interfaceRow));
            operations.Add(Insert("Port", "port", new JsonObject
            {
                ["name"] = port.Name,
                ["interfaces"] = OvsdbValue.NamedUuid("iface"),
                ["tag"] = OvsdbValue.Optional(port.Tag),
            }));
            operations.Add(Mutate("Bridge", UuidIs(bridgeUuid), "ports", "insert", OvsdbValue.NamedUuid("port")));
            await TransactAsync(cancellationToken, [.. operations]);
            return;
        }

        var changes = new List<JsonObject>();
        var portRow = found[1][0];
        var currentTag = OvsdbValue.ReadOptional(portRow.GetProperty("tag"))?.GetInt32();
        if (currentTag != port.Tag)
        {
            changes.Add(Update("Port", UuidIs(Uuid(portRow)), new JsonObject { ["tag"] = OvsdbValue.Optional(port.Tag) }));
        }

        var iface = found[2][0];
        var interfaceChanges = new JsonObject();
        if (iface.GetProperty("type").GetString() != port.Type)
        {
            interfaceChanges["type"] = port.Type;
        }

        if (!SameMap(OvsdbValue.ReadMap(iface.GetProperty("options")), port.Options))
        {
            interfaceChanges["options"] = OvsdbValue.Map(port.Options);
        }

        var externalIds = new Dictionary<string, string>(OvsdbValue.ReadMap(iface.GetProperty("external_ids")));
        var externalIdsChanged = false;
        foreach (var (key, value) in port.ExternalIds)
        {
            externalIdsChanged |= !externalIds.TryGetValue(key, out var old) || old != value;
            externalIds[key] = value;
        }

        if (externalIdsChanged)
        {
            interfaceChanges["external_ids"] = OvsdbValue.Map(externalIds);
        }

        if (OvsdbValue.ReadOptional(iface.GetProperty("ofport_request"))?.GetInt32() != port.OfPortRequest)
        {
            interfaceChanges["ofport_request"] = OvsdbValue.Optional(port.OfPortRequest);
        }

        if (interfaceChanges.Count > 0)
        {
            changes.Add(Update("Interface", UuidIs(Uuid(iface)), interfaceChanges));
        }

        if (changes.Count > 0)
        {
            await TransactAsync(cancellationToken, [.. changes]);
        }
    }

    public async Task RemovePortAsync(string port, CancellationToken cancellationToken = default)
    {
        var found = await SelectAsync(cancellationToken, Select("Port", NameIs(port), "_uuid"));
        if (found[0].Count == 0)
        {
            return;
        }

        var uuid = OvsdbValue.Uuid(Uuid(found[0][0]));
        await TransactAsync(cancellationToken, new JsonObject
        {
            ["op"] = "mutate",
            ["table"] = "Bridge",
            ["where"] = new JsonArray(OvsdbValue.Condition("ports", "includes", uuid)),
            ["mutations"] = new JsonArray(new JsonArray("ports", "delete", uuid.DeepClone())),
        });
    }

    public async Task<IReadOnlyList<PortInfo>> ListPortsAsync(string bridge, CancellationToken cancellationToken = default)
    {
        var found = await SelectAsync(cancellationToken,
            Select("Bridge", NameIs(bridge), "ports"),
            Select("Port", [], PortColumns),
            Select("Interface", [], InterfaceColumns));
        if (found[0].Count == 0)
        {
            return [];
        }

        var ports = OvsdbValue.ReadUuids(found[0][0].GetProperty("ports")).ToHashSet();
        return [.. JoinPorts(bridge, found[1].Where(p => ports.Contains(Uuid(p))), found[2]).OrderBy(p => p.Name, StringComparer.Ordinal)];
    }

    public async Task<PortInfo?> FindPortByInterfaceIdAsync(string interfaceId, CancellationToken cancellationToken = default)
    {
        var found = await SelectAsync(cancellationToken,
            Select("Interface", [OvsdbValue.Condition("external_ids", "includes", OvsdbValue.Map([new("iface-id", interfaceId)]))], InterfaceColumns),
            Select("Port", [], PortColumns),
            Select("Bridge", [], "name", "ports"));
        if (found[0].Count == 0)
        {
            return null;
        }

        var interfaceUuid = Uuid(found[0][0]);
        var port = found[1].FirstOrDefault(p => OvsdbValue.ReadUuids(p.GetProperty("interfaces")).Contains(interfaceUuid));
        if (port.ValueKind == JsonValueKind.Undefined)
        {
            return null;
        }

        var bridge = found[2].FirstOrDefault(b => OvsdbValue.ReadUuids(b.GetProperty("ports")).Contains(Uuid(port)));
        var bridgeName = bridge.ValueKind == JsonValueKind.Undefined ? "" : bridge.GetProperty("name").GetString()!;
        return JoinPorts(bridgeName, [port], found[0]).FirstOrDefault();
    }

    public async Task<int> WaitForOfPortAsync(string interfaceName, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        // ovs-vswitchd assigns ofport after it has read the committed row; polling a select is simpler
        // than a monitor and the wait is a few milliseconds.
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var found = await SelectAsync(cancellationToken, Select("Interface", NameIs(interfaceName), "ofport", "error"));
            if (found[0].Count > 0 && OvsdbValue.ReadOptional(found[0][0].GetProperty("ofport"))?.GetInt32() is { } ofPort)
            {
                if (ofPort > 0)
                {
                    return ofPort;
                }

                if (ofPort == -1)
                {
                    var error = OvsdbValue.ReadOptional(found[0][0].GetProperty("error"))?.GetString();
                    throw new OvsdbException($"Interface {interfaceName} could not be added: {error}");
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Interface {interfaceName} got no OpenFlow port within {timeout.TotalSeconds} s");
            }

            await Task.Delay(20, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.DisposeAsync();
        }

        _connectLock.Dispose();
    }

    private static IEnumerable<PortInfo> JoinPorts(string bridge, IEnumerable<JsonElement> ports, IReadOnlyList<JsonElement> interfaces)
    {
        var byUuid = interfaces.ToDictionary(Uuid);
        foreach (var port in ports)
        {
            if (OvsdbValue.ReadUuids(port.GetProperty("interfaces")) is not [var interfaceUuid, ..] || !byUuid.TryGetValue(interfaceUuid, out var iface))
            {
                continue;
            }

            var externalIds = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var (key, value) in OvsdbValue.ReadMap(port.GetProperty("external_ids")).Concat(OvsdbValue.ReadMap(iface.GetProperty("external_ids"))))
            {
                externalIds[key] = value;
            }

            yield return new PortInfo(
                port.GetProperty("name").GetString()!,
                bridge,
                iface.GetProperty("type").GetString()!,
                OvsdbValue.ReadOptional(iface.GetProperty("ofport"))?.GetInt32(),
                OvsdbValue.ReadOptional(port.GetProperty("tag"))?.GetInt32(),
                OvsdbValue.ReadMap(iface.GetProperty("options")),
                externalIds,
                OvsdbValue.ReadOptional(iface.GetProperty("mac_in_use"))?.GetString(),
                OvsdbValue.ReadOptional(iface.GetProperty("error"))?.GetString());
        }
    }

    private static bool SameMap(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(e => b.TryGetValue(e.Key, out var v) && v == e.Value);

    private static string Uuid(JsonElement row) => OvsdbValue.ReadUuid(row.GetProperty("_uuid"));

    private static JsonArray NameIs(string name) => [OvsdbValue.Condition("name", "==", name)];

    private static JsonArray UuidIs(string uuid) => [OvsdbValue.Condition("_uuid", "==", OvsdbValue.Uuid(uuid))];

    private static JsonObject Select(string table, JsonArray where, params string[] columns) => new()
    {
        ["op"] = "select",
        ["table"] = table,
        ["where"] = where,
        ["columns"] = new JsonArray([.. columns.Select(c => (JsonNode)c)]),
    };

    private static JsonObject Insert(string table, string uuidName, JsonObject row) => new()
    {
        ["op"] = "insert",
        ["table"] = table,
        ["row"] = row,
        ["uuid-name"] = uuidName,
    };

    private static JsonObject Update(string table, JsonArray where, JsonObject row) => new()
    {
        ["op"] = "update",
        ["table"] = table,
        ["where"] = where,
        ["row"] = row,
    };

    private static JsonObject Mutate(string table, JsonArray where, string column, string mutator, JsonNode value) => new()
    {
        ["op"] = "mutate",
        ["table"] = table,
        ["where"] = where,
        ["mutations"] = new JsonArray(new JsonArray(column, mutator, value)),
    };

    /// <summary>Fails the transaction at once if a matching row exists: the guard against creating a duplicate.</summary>
    private static JsonObject WaitNone(string table, JsonArray where) => new()
    {
        ["op"] = "wait",
        ["table"] = table,
        ["where"] = where,
        ["columns"] = new JsonArray("name"),
        ["until"] = "==",
        ["rows"] = new JsonArray(),
        ["timeout"] = 0,
    };

    private async Task<IReadOnlyList<IReadOnlyList<JsonElement>>> SelectAsync(CancellationToken cancellationToken, params JsonObject[] selects)
    {
        var results = await TransactAsync(cancellationToken, selects);
        return [.. results.Take(selects.Length).Select(r => (IReadOnlyList<JsonElement>)[.. r.GetProperty("rows").EnumerateArray()])];
    }

    private async Task<IReadOnlyList<JsonElement>> TransactAsync(CancellationToken cancellationToken, params JsonObject[] operations)
    {
        var client = await ConnectedAsync(cancellationToken);
        return await client.TransactAsync(Database, operations, cancellationToken);
    }

    private async Task<OvsdbClient> ConnectedAsync(CancellationToken cancellationToken)
    {
        if (_client is { IsConnected: true } client)
        {
            return client;
        }

        await _connectLock.WaitAsync(cancellationToken);
        try
        {
            if (_client is { IsConnected: true } raced)
            {
                return raced;
            }

            if (_client is not null)
            {
                await _client.DisposeAsync();
            }

            _client = await OvsdbClient.ConnectAsync(SocketPath, cancellationToken);
            return _client;
        }
        finally
        {
            _connectLock.Release();
        }
    }
}
