using System.Net;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Platform.Api.Tests.TestEngine;
using Platform.HostAgent.Protocol;

namespace Platform.Api.Tests.Rds;

/// <summary>
/// The RDS control plane (issue 12) through signed calls: subnet groups, parameter groups, DB instances and snapshots,
/// RDS's errors for bad input with nothing changed, the guest's reports moving the state, and tenants kept apart.
/// The guest's side is simulated by publishing what Compute publishes for a database guest's report.
/// </summary>
public sealed class RdsApiTests(RdsPlatform platform) : IClassFixture<RdsPlatform>
{
    private const string Api = "/api/v1/rds";

    [Fact]
    public async Task Given_a_subnet_group_in_one_zone_Then_it_is_DBSubnetGroupDoesNotCoverEnoughAZs_and_two_zones_make_one()
    {
        using var root = platform.RootClient();
        var tenant = await root.CreateAccountAsync("rds-subnets");
        using var client = platform.App.SignedClient(tenant);
        var network = await TenantNetwork.CreateAsync(client, "10.41");

        await (await client.PostJsonAsync($"{Api}/db-subnet-groups", new { db_subnet_group_name = "one-zone", db_subnet_group_description = "d", subnet_ids = new[] { network.SubnetA } }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "DBSubnetGroupDoesNotCoverEnoughAZs");
        await (await client.PostJsonAsync($"{Api}/db-subnet-groups", new { db_subnet_group_name = "ghost", db_subnet_group_description = "d", subnet_ids = new[] { network.SubnetA, "subnet-0000000000000000f" } }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidSubnet");
        await (await client.PostJsonAsync($"{Api}/db-subnet-groups", new { db_subnet_group_name = "default", db_subnet_group_description = "d", subnet_ids = new[] { network.SubnetA, network.SubnetB } }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");
        var none = await (await client.GetAsync($"{Api}/db-subnet-groups")).AssertOkAsync();
        Assert.Empty(none.GetProperty("db_subnet_groups").EnumerateArray());

        var group = await (await client.PostJsonAsync($"{Api}/db-subnet-groups",
            new { db_subnet_group_name = "Orders-Net", db_subnet_group_description = "orders", subnet_ids = new[] { network.SubnetA, network.SubnetB } })).AssertOkAsync();
        Assert.Equal("orders-net", group.GetProperty("db_subnet_group_name").GetString());
        Assert.Equal(network.VpcId, group.GetProperty("vpc_id").GetString());
        Assert.Equal($"arn:aws:rds:us-east-1:{tenant.AccountId}:subgrp:orders-net", group.GetProperty("db_subnet_group_arn").GetString());
        Assert.Equal(["us-east-1a", "us-east-1b"], group.GetProperty("subnets").EnumerateArray()
            .Select(s => s.GetProperty("subnet_availability_zone").GetProperty("name").GetString()!).Order(StringComparer.Ordinal));
        await (await client.PostJsonAsync($"{Api}/db-subnet-groups", new { db_subnet_group_name = "orders-net", db_subnet_group_description = "again", subnet_ids = new[] { network.SubnetA, network.SubnetB } }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "DBSubnetGroupAlreadyExists");

        // Another account's subnets are not the caller's to use, and its groups are not visible.
        var other = await root.CreateAccountAsync("rds-subnets-other");
        using var otherClient = platform.App.SignedClient(other);
        await (await otherClient.PostJsonAsync($"{Api}/db-subnet-groups", new { db_subnet_group_name = "stolen", db_subnet_group_description = "d", subnet_ids = new[] { network.SubnetA, network.SubnetB } }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidSubnet");
        await (await otherClient.GetAsync($"{Api}/db-subnet-groups/orders-net")).AssertErrorAsync(HttpStatusCode.NotFound, "DBSubnetGroupNotFoundFault");
        await (await otherClient.DeleteAsync($"{Api}/db-subnet-groups/orders-net")).AssertErrorAsync(HttpStatusCode.NotFound, "DBSubnetGroupNotFoundFault");

        await (await client.DeleteAsync($"{Api}/db-subnet-groups/orders-net")).AssertOkAsync();
        await (await client.GetAsync($"{Api}/db-subnet-groups/orders-net")).AssertErrorAsync(HttpStatusCode.NotFound, "DBSubnetGroupNotFoundFault");
    }

    [Fact]
    public async Task Given_parameter_changes_Then_the_subset_is_validated_all_or_nothing_and_static_ones_wait_for_a_reboot()
    {
        using var root = platform.RootClient();
        var tenant = await root.CreateAccountAsync("rds-params");
        using var client = platform.App.SignedClient(tenant);

        await (await client.PostJsonAsync($"{Api}/db-parameter-groups", new { db_parameter_group_name = "pg", db_parameter_group_family = "mysql8.0", description = "d" }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");
        var created = await (await client.PostJsonAsync($"{Api}/db-parameter-groups", new { db_parameter_group_name = "Tuned", db_parameter_group_family = "postgres15", description = "tuned" })).AssertOkAsync();
        Assert.Equal("tuned", created.GetProperty("db_parameter_group_name").GetString());
        await (await client.PostJsonAsync($"{Api}/db-parameter-groups", new { db_parameter_group_name = "tuned", db_parameter_group_family = "postgres15", description = "again" }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "DBParameterGroupAlreadyExists");

        // One bad change spoils the request: nothing of it is kept.
        await (await client.PostJsonAsync($"{Api}/db-parameter-groups/tuned/parameters", new
        {
            parameters = new object[]
            {
                new { parameter_name = "work_mem", parameter_value = "8192", apply_method = "immediate" },
                new { parameter_name = "work_mem_typo", parameter_value = "1", apply_method = "immediate" },
            },
        })).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");
        await (await client.PostJsonAsync($"{Api}/db-parameter-groups/tuned/parameters", new
        {
            parameters = new object[] { new { parameter_name = "max_connections", parameter_value = "5", apply_method = "pending-reboot" } },
        })).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");
        await (await client.PostJsonAsync($"{Api}/db-parameter-groups/tuned/parameters", new
        {
            parameters = new object[] { new { parameter_name = "shared_buffers", parameter_value = "4096", apply_method = "immediate" } },
        })).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterCombination");
        await (await client.PostJsonAsync($"{Api}/db-parameter-groups/default.postgres15/parameters", new
        {
            parameters = new object[] { new { parameter_name = "work_mem", parameter_value = "8192", apply_method = "immediate" } },
        })).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");
        var untouched = await (await client.GetAsync($"{Api}/db-parameter-groups/tuned/parameters")).AssertOkAsync();
        Assert.All(untouched.GetProperty("parameters").EnumerateArray(), p => Assert.Equal("engine-default", p.GetProperty("source").GetString()));

        await (await client.PostJsonAsync($"{Api}/db-parameter-groups/tuned/parameters", new
        {
            parameters = new object[]
            {
                new { parameter_name = "work_mem", parameter_value = "8192", apply_method = "immediate" },
                new { parameter_name = "max_connections", parameter_value = "50", apply_method = "pending-reboot" },
                new { parameter_name = "log_min_duration_statement", parameter_value = "-1", apply_method = "immediate" },
            },
        })).AssertOkAsync();
        var parameters = (await (await client.GetAsync($"{Api}/db-parameter-groups/tuned/parameters")).AssertOkAsync()).GetProperty("parameters").EnumerateArray().ToList();
        var workMem = parameters.Single(p => p.GetProperty("parameter_name").GetString() == "work_mem");
        Assert.Equal("8192", workMem.GetProperty("parameter_value").GetString());
        Assert.Equal("user", workMem.GetProperty("source").GetString());
        Assert.Equal("dynamic", workMem.GetProperty("apply_type").GetString());
        Assert.Equal("static", parameters.Single(p => p.GetProperty("parameter_name").GetString() == "max_connections").GetProperty("apply_type").GetString());

        var groups = await (await client.GetAsync($"{Api}/db-parameter-groups")).AssertOkAsync();
        Assert.Equal(["default.postgres15", "tuned"], groups.GetProperty("db_parameter_groups").EnumerateArray().Select(g => g.GetProperty("db_parameter_group_name").GetString()!));

        var other = await root.CreateAccountAsync("rds-params-other");
        using var otherClient = platform.App.SignedClient(other);
        await (await otherClient.GetAsync($"{Api}/db-parameter-groups/tuned/parameters")).AssertErrorAsync(HttpStatusCode.NotFound, "DBParameterGroupNotFound");
        await (await otherClient.DeleteAsync($"{Api}/db-parameter-groups/tuned")).AssertErrorAsync(HttpStatusCode.NotFound, "DBParameterGroupNotFound");
        await (await client.DeleteAsync($"{Api}/db-parameter-groups/default.postgres15")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");
        await (await client.DeleteAsync($"{Api}/db-parameter-groups/tuned")).AssertOkAsync();
    }

    [Fact]
    public async Task Given_bad_create_input_Then_each_gets_RDS_error_and_nothing_is_created()
    {
        using var root = platform.RootClient();
        var tenant = await root.CreateAccountAsync("rds-bad-input");
        using var client = platform.App.SignedClient(tenant);
        var network = await TenantNetwork.CreateAsync(client, "10.42");
        await CreateSubnetGroupAsync(client, network, "net");

        var cases = new (Dictionary<string, object?> Change, HttpStatusCode Status, string Code)[]
        {
            (new() { ["master_user_password"] = "short7!" }, HttpStatusCode.BadRequest, "InvalidParameterValue"),
            (new() { ["master_user_password"] = "has space in it" }, HttpStatusCode.BadRequest, "InvalidParameterValue"),
            (new() { ["db_instance_class"] = "db.x9.huge" }, HttpStatusCode.BadRequest, "InvalidParameterValue"),
            (new() { ["allocated_storage"] = 4 }, HttpStatusCode.BadRequest, "InvalidParameterValue"),
            (new() { ["allocated_storage"] = RdsPlatform.StorageQuotaGiB + 1 }, HttpStatusCode.BadRequest, "StorageQuotaExceeded"),
            (new() { ["engine"] = "mysql" }, HttpStatusCode.BadRequest, "InvalidParameterValue"),
            (new() { ["engine_version"] = "14" }, HttpStatusCode.BadRequest, "InvalidParameterCombination"),
            (new() { ["master_username"] = "postgres" }, HttpStatusCode.BadRequest, "InvalidParameterValue"),
            (new() { ["master_username"] = "1app" }, HttpStatusCode.BadRequest, "InvalidParameterValue"),
            (new() { ["db_instance_identifier"] = "bad--name" }, HttpStatusCode.BadRequest, "InvalidParameterValue"),
            (new() { ["db_instance_identifier"] = "9lives" }, HttpStatusCode.BadRequest, "InvalidParameterValue"),
            (new() { ["backup_retention_period"] = 36 }, HttpStatusCode.BadRequest, "InvalidParameterValue"),
            (new() { ["preferred_backup_window"] = "03:00-03:10" }, HttpStatusCode.BadRequest, "InvalidParameterValue"),
            (new() { ["preferred_backup_window"] = "3am" }, HttpStatusCode.BadRequest, "InvalidParameterValue"),
            (new() { ["port"] = 80 }, HttpStatusCode.BadRequest, "InvalidParameterValue"),
            (new() { ["multi_az"] = true, ["publicly_accessible"] = true }, HttpStatusCode.BadRequest, "InvalidParameterCombination"),
            (new() { ["db_subnet_group_name"] = "no-such-group" }, HttpStatusCode.NotFound, "DBSubnetGroupNotFoundFault"),
            (new() { ["db_parameter_group_name"] = "no-such-group" }, HttpStatusCode.NotFound, "DBParameterGroupNotFound"),
            (new() { ["vpc_security_group_ids"] = new[] { "sg-0000000000000000f" } }, HttpStatusCode.BadRequest, "InvalidParameterValue"),
            (new() { ["master_user_password"] = null }, HttpStatusCode.BadRequest, "MissingParameter"),
        };
        foreach (var (change, status, code) in cases)
        {
            var body = CreateBody("orders", "net");
            foreach (var (key, value) in change)
            {
                body[key] = value;
            }

            var error = await (await client.PostJsonAsync($"{Api}/db-instances", body)).AssertErrorAsync(status, code);
            Assert.DoesNotContain("correct-horse", error.GetRawText(), StringComparison.Ordinal);
        }

        var listed = await (await client.GetAsync($"{Api}/db-instances")).AssertOkAsync();
        Assert.Empty(listed.GetProperty("db_instances").EnumerateArray());
    }

    [Fact]
    public async Task Given_a_DB_instance_Then_it_is_created_reported_available_modified_snapshotted_and_deleted_with_a_final_snapshot()
    {
        using var root = platform.RootClient();
        var tenant = await root.CreateAccountAsync("rds-lifecycle");
        using var client = platform.App.SignedClient(tenant);
        var network = await TenantNetwork.CreateAsync(client, "10.43");
        await CreateSubnetGroupAsync(client, network, "net");

        var body = CreateBody("Orders", "net");
        body["tags"] = new[] { new { key = "team", value = "shop" } };
        var created = await (await client.PostJsonAsync($"{Api}/db-instances", body)).AssertOkAsync();
        Assert.Equal("orders", created.GetProperty("db_instance_identifier").GetString());
        Assert.Equal("creating", created.GetProperty("db_instance_status").GetString());
        Assert.Equal($"arn:aws:rds:us-east-1:{tenant.AccountId}:db:orders", created.GetProperty("db_instance_arn").GetString());
        Assert.Equal(network.DefaultGroupId, created.GetProperty("vpc_security_groups")[0].GetProperty("vpc_security_group_id").GetString());
        Assert.Equal(2, created.GetProperty("vcpus").GetInt32());
        Assert.DoesNotContain("correct-horse", created.GetRawText(), StringComparison.Ordinal);
        var resourceId = created.GetProperty("dbi_resource_id").GetString()!;
        Assert.Matches("^db-[A-Z0-9]{26}$", resourceId);

        // The password is kept only encrypted.
        Assert.DoesNotContain("correct-horse-battery", await DumpAsync("rds_db_instances"), StringComparison.Ordinal);

        await (await client.PostJsonAsync($"{Api}/db-instances", CreateBody("orders", "net"))).AssertErrorAsync(HttpStatusCode.BadRequest, "DBInstanceAlreadyExists");
        await (await client.PatchJsonAsync($"{Api}/db-instances/orders", new { deletion_protection = true })).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidDBInstanceState");
        await (await client.PostJsonAsync($"{Api}/db-snapshots", new { db_snapshot_identifier = "early", db_instance_identifier = "orders" }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidDBInstanceState");

        // The guest comes up with generation 1 applied: available, with its restorable window.
        var earliest = DateTimeOffset.Parse("2026-12-05T03:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        await platform.ReportAsync(resourceId, new DatabaseReport(DatabaseState.Available, 1, EarliestRestorableTime: earliest, LatestRestorableTime: earliest.AddMinutes(5)));
        var available = await DescribeAsync(client, "orders");
        Assert.Equal("available", available.GetProperty("db_instance_status").GetString());
        Assert.Equal(earliest.UtcDateTime, available.GetProperty("earliest_restorable_time").GetDateTime().ToUniversalTime());

        // Bad modifications change nothing.
        await (await client.PatchJsonAsync($"{Api}/db-instances/orders", new { allocated_storage = 10, master_user_password = "short" }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");
        await (await client.PatchJsonAsync($"{Api}/db-instances/orders", new { allocated_storage = RdsPlatform.StorageQuotaGiB + 1 }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "StorageQuotaExceeded");
        await (await client.PatchJsonAsync($"{Api}/db-instances/orders", new { allocated_storage = 5 }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterCombination");
        Assert.Equal(20, (await DescribeAsync(client, "orders")).GetProperty("allocated_storage").GetInt32());
        // (A new class or more storage is a resize: RdsResizeTests.)
        var unchanged = await DescribeAsync(client, "orders");
        Assert.Equal(20, unchanged.GetProperty("allocated_storage").GetInt32());
        Assert.Equal("db.t3.micro", unchanged.GetProperty("db_instance_class").GetString());
        Assert.Equal("available", unchanged.GetProperty("db_instance_status").GetString());

        // A new password is a new generation: modifying until the guest says it applied it.
        var modified = await (await client.PatchJsonAsync($"{Api}/db-instances/orders", new { master_user_password = "another-good-one", deletion_protection = true, backup_retention_period = 7 })).AssertOkAsync();
        Assert.Equal("modifying", modified.GetProperty("db_instance_status").GetString());
        Assert.True(modified.GetProperty("deletion_protection").GetBoolean());
        await platform.ReportAsync(resourceId, new DatabaseReport(DatabaseState.Available, 1));
        Assert.Equal("modifying", (await DescribeAsync(client, "orders")).GetProperty("db_instance_status").GetString());
        await platform.ReportAsync(resourceId, new DatabaseReport(DatabaseState.Available, 2));
        Assert.Equal("available", (await DescribeAsync(client, "orders")).GetProperty("db_instance_status").GetString());

        // Deletion protection holds; another account sees and touches nothing.
        await (await client.DeleteAsync($"{Api}/db-instances/orders?skip_final_snapshot=true")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterCombination");
        var other = await root.CreateAccountAsync("rds-lifecycle-other");
        using var otherClient = platform.App.SignedClient(other);
        Assert.Empty((await (await otherClient.GetAsync($"{Api}/db-instances")).AssertOkAsync()).GetProperty("db_instances").EnumerateArray());
        await (await otherClient.GetAsync($"{Api}/db-instances/orders")).AssertErrorAsync(HttpStatusCode.NotFound, "DBInstanceNotFound");
        await (await otherClient.PatchJsonAsync($"{Api}/db-instances/orders", new { deletion_protection = false })).AssertErrorAsync(HttpStatusCode.NotFound, "DBInstanceNotFound");
        await (await otherClient.PostJsonAsync($"{Api}/db-snapshots", new { db_snapshot_identifier = "theirs", db_instance_identifier = "orders" }))
            .AssertErrorAsync(HttpStatusCode.NotFound, "DBInstanceNotFound");

        // A manual snapshot: backing-up until the guest reports the backup with its label.
        var snapshot = await (await client.PostJsonAsync($"{Api}/db-snapshots", new { db_snapshot_identifier = "before-launch", db_instance_identifier = "orders" })).AssertOkAsync();
        Assert.Equal("creating", snapshot.GetProperty("status").GetString());
        Assert.Equal("backing-up", (await DescribeAsync(client, "orders")).GetProperty("db_instance_status").GetString());
        await (await client.DeleteAsync($"{Api}/db-snapshots/before-launch")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidDBSnapshotState");
        var operationId = await OpenOperationAsync(resourceId, "before-launch");
        Assert.Equal(DatabaseOperationKind.SnapshotBackup, Assert.Single((await platform.DesiredAsync(resourceId)).Operations!).Kind);

        // "Succeeded" without a label names no backup set: the snapshot failed, it is never listed as available.
        await platform.ReportAsync(resourceId, new DatabaseReport(DatabaseState.Available, 2, Operations: [new DatabaseOperationResult(operationId, Succeeded: true)]));
        Assert.Equal("failed", (await (await client.GetAsync($"{Api}/db-snapshots/before-launch")).AssertOkAsync()).GetProperty("status").GetString());
        Assert.Equal("available", (await DescribeAsync(client, "orders")).GetProperty("db_instance_status").GetString());
        await (await client.PostJsonAsync($"{Api}/db-snapshots/before-launch/restore", new { db_instance_identifier = "from-failed", db_subnet_group_name = "net" }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidDBSnapshotState");
        await (await client.DeleteAsync($"{Api}/db-snapshots/before-launch")).AssertOkAsync();
        await (await client.PostJsonAsync($"{Api}/db-snapshots", new { db_snapshot_identifier = "before-launch", db_instance_identifier = "orders" })).AssertOkAsync();
        operationId = await OpenOperationAsync(resourceId, "before-launch");
        await platform.ReportAsync(resourceId, new DatabaseReport(DatabaseState.Available, 2,
            Operations: [new DatabaseOperationResult(operationId, Succeeded: true, BackupLabel: "20261205-130000F")]));
        var taken = await (await client.GetAsync($"{Api}/db-snapshots/before-launch")).AssertOkAsync();
        Assert.Equal("available", taken.GetProperty("status").GetString());
        Assert.Equal("available", (await DescribeAsync(client, "orders")).GetProperty("db_instance_status").GetString());
        Assert.Empty((await (await otherClient.GetAsync($"{Api}/db-snapshots")).AssertOkAsync()).GetProperty("db_snapshots").EnumerateArray());

        // Restores make new instances: to a point in time inside the window only, and from an available snapshot.
        var pitr = $"{Api}/db-instances/orders/restore-to-point-in-time";
        await (await client.PostJsonAsync(pitr, new { target_db_instance_identifier = "orders-pitr", restore_time = earliest.AddSeconds(-1) }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");
        await (await client.PostJsonAsync(pitr, new { target_db_instance_identifier = "orders-pitr", restore_time = earliest.AddMinutes(6) }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");
        await (await client.PostJsonAsync(pitr, new { target_db_instance_identifier = "orders-pitr", restore_time = earliest.AddMinutes(2), use_latest_restorable_time = true }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterCombination");
        await (await client.PostJsonAsync(pitr, new { target_db_instance_identifier = "orders-pitr" })).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterCombination");
        await (await client.PostJsonAsync(pitr, new { target_db_instance_identifier = "orders", use_latest_restorable_time = true }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "DBInstanceAlreadyExists");
        await (await otherClient.PostJsonAsync(pitr, new { target_db_instance_identifier = "orders-pitr", use_latest_restorable_time = true }))
            .AssertErrorAsync(HttpStatusCode.NotFound, "DBInstanceNotFound");
        Assert.Single((await (await client.GetAsync($"{Api}/db-instances")).AssertOkAsync()).GetProperty("db_instances").EnumerateArray());
        var restored = await (await client.PostJsonAsync(pitr, new { target_db_instance_identifier = "orders-pitr", restore_time = earliest.AddMinutes(2) })).AssertOkAsync();
        Assert.Equal("creating", restored.GetProperty("db_instance_status").GetString());
        Assert.Equal(20, restored.GetProperty("allocated_storage").GetInt32());
        Assert.Equal("app", restored.GetProperty("master_username").GetString());
        Assert.NotEqual(resourceId, restored.GetProperty("dbi_resource_id").GetString());

        // The quota counts the restored instance: a second 20 GiB copy does not fit in 40.
        await (await client.PostJsonAsync($"{Api}/db-snapshots/before-launch/restore", new { db_instance_identifier = "orders-copy", db_subnet_group_name = "net" }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "StorageQuotaExceeded");
        await (await client.DeleteAsync($"{Api}/db-instances/orders-pitr?skip_final_snapshot=true")).AssertOkAsync();
        await (await otherClient.PostJsonAsync($"{Api}/db-snapshots/before-launch/restore", new { db_instance_identifier = "orders-copy", db_subnet_group_name = "net" }))
            .AssertErrorAsync(HttpStatusCode.NotFound, "DBSnapshotNotFound");
        var copy = await (await client.PostJsonAsync($"{Api}/db-snapshots/before-launch/restore", new { db_instance_identifier = "orders-copy", db_subnet_group_name = "net" })).AssertOkAsync();
        Assert.Equal("creating", copy.GetProperty("db_instance_status").GetString());
        // The snapshot's set is read from the source's snapshot repository, which no automated retention expires.
        var copyRestore = (await platform.DesiredAsync(copy.GetProperty("dbi_resource_id").GetString()!)).Restore!;
        Assert.Equal(resourceId + "/snapshots", copyRestore.Repository.Path);
        Assert.Equal(("20261205-130000F", resourceId), (copyRestore.BackupLabel, copyRestore.SourceResourceId));
        await (await client.DeleteAsync($"{Api}/db-instances/orders-copy?skip_final_snapshot=true")).AssertOkAsync();

        // Delete with a final snapshot: deleting until the guest reports it, then gone; both snapshots stay.
        await (await client.PatchJsonAsync($"{Api}/db-instances/orders", new { deletion_protection = false })).AssertOkAsync();
        await (await client.DeleteAsync($"{Api}/db-instances/orders")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterCombination");
        await (await client.DeleteAsync($"{Api}/db-instances/orders?skip_final_snapshot=true&final_db_snapshot_identifier=x"))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterCombination");
        await (await client.DeleteAsync($"{Api}/db-instances/orders?final_db_snapshot_identifier=before-launch"))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "DBSnapshotAlreadyExists");
        var deleting = await (await client.DeleteAsync($"{Api}/db-instances/orders?final_db_snapshot_identifier=orders-final")).AssertOkAsync();
        Assert.Equal("deleting", deleting.GetProperty("db_instance_status").GetString());
        var finalOperation = await OpenOperationAsync(resourceId, "orders-final");
        await platform.ReportAsync(resourceId, new DatabaseReport(DatabaseState.Available, 2,
            Operations: [new DatabaseOperationResult(finalOperation, Succeeded: true, BackupLabel: "20261205-131500F")]));
        await (await client.GetAsync($"{Api}/db-instances/orders")).AssertErrorAsync(HttpStatusCode.NotFound, "DBInstanceNotFound");
        var snapshots = await (await client.GetAsync($"{Api}/db-snapshots")).AssertOkAsync();
        Assert.Equal(["before-launch", "orders-final"], snapshots.GetProperty("db_snapshots").EnumerateArray().Select(s => s.GetProperty("db_snapshot_identifier").GetString()!));
        Assert.All(snapshots.GetProperty("db_snapshots").EnumerateArray(), s => Assert.Equal("available", s.GetProperty("status").GetString()));

        await (await client.DeleteAsync($"{Api}/db-snapshots/before-launch")).AssertOkAsync();
        await (await client.GetAsync($"{Api}/db-snapshots/before-launch")).AssertErrorAsync(HttpStatusCode.NotFound, "DBSnapshotNotFound");
    }

    [Fact]
    public async Task Given_a_DB_instance_in_use_Then_its_subnet_and_parameter_groups_cannot_be_deleted_and_skip_final_snapshot_removes_it_at_once()
    {
        using var root = platform.RootClient();
        var tenant = await root.CreateAccountAsync("rds-in-use");
        using var client = platform.App.SignedClient(tenant);
        var network = await TenantNetwork.CreateAsync(client, "10.44");
        await CreateSubnetGroupAsync(client, network, "net");
        await (await client.PostJsonAsync($"{Api}/db-parameter-groups", new { db_parameter_group_name = "tuned", db_parameter_group_family = "postgres15", description = "tuned" })).AssertOkAsync();
        var body = CreateBody("inventory", "net");
        body["db_parameter_group_name"] = "tuned";
        var created = await (await client.PostJsonAsync($"{Api}/db-instances", body)).AssertOkAsync();
        Assert.Equal("tuned", created.GetProperty("db_parameter_groups")[0].GetProperty("db_parameter_group_name").GetString());

        await (await client.DeleteAsync($"{Api}/db-subnet-groups/net")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidDBSubnetGroupStateFault");
        await (await client.DeleteAsync($"{Api}/db-parameter-groups/tuned")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidDBParameterGroupState");

        // What Compute will put on the server's desired state for this instance's guest.
        var resourceId = created.GetProperty("dbi_resource_id").GetString()!;
        var desired = await platform.DesiredAsync(resourceId);
        Assert.Equal("correct-horse-battery", desired.MasterPassword);
        Assert.Equal(1, desired.Generation);
        Assert.False(desired.Parameters.ContainsKey("max_connections"));

        // A static parameter changed on the group: the member instance waits for a reboot to take it.
        await platform.ReportAsync(resourceId, new DatabaseReport(DatabaseState.Available, 1));
        await (await client.PostJsonAsync($"{Api}/db-parameter-groups/tuned/parameters", new
        {
            parameters = new object[] { new { parameter_name = "max_connections", parameter_value = "40", apply_method = "pending-reboot" } },
        })).AssertOkAsync();
        Assert.Equal("pending-reboot", (await DescribeAsync(client, "inventory")).GetProperty("db_parameter_groups")[0].GetProperty("parameter_apply_status").GetString());
        var changed = await platform.DesiredAsync(resourceId);
        Assert.Equal(2, changed.Generation);
        Assert.Equal("40", changed.Parameters["max_connections"]);
        Assert.Equal(desired.Tls, changed.Tls);

        await (await client.DeleteAsync($"{Api}/db-instances/inventory?skip_final_snapshot=true")).AssertOkAsync();
        await (await client.GetAsync($"{Api}/db-instances/inventory")).AssertErrorAsync(HttpStatusCode.NotFound, "DBInstanceNotFound");
        await (await client.DeleteAsync($"{Api}/db-parameter-groups/tuned")).AssertOkAsync();
        await (await client.DeleteAsync($"{Api}/db-subnet-groups/net")).AssertOkAsync();
    }

    [Fact]
    public async Task Given_a_DB_instance_whose_guest_reports_figures_Then_CloudWatch_answers_its_AWS_RDS_metrics_alarms_take_them_and_another_account_sees_none()
    {
        using var root = platform.RootClient();
        var tenant = await root.CreateAccountAsync("rds-metrics");
        using var client = platform.App.SignedClient(tenant);
        var network = await TenantNetwork.CreateAsync(client, "10.47");
        await CreateSubnetGroupAsync(client, network, "net");
        var resourceId = (await (await client.PostJsonAsync($"{Api}/db-instances", CreateBody("metrics-db", "net"))).AssertOkAsync()).GetProperty("dbi_resource_id").GetString()!;
        await platform.ReportAsync(resourceId, new DatabaseReport(DatabaseState.Available, 1, Metrics: new DatabaseMetrics(4_000_000_000, 7, 0, 0)));
        await platform.ReportAsync(resourceId, new DatabaseReport(DatabaseState.Available, 1, Metrics: new DatabaseMetrics(3_000_000_000, 9, 0, 0)));

        var now = DateTime.UtcNow;
        var window = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"&period=3600&start_time={now.AddHours(-2):O}&end_time={now.AddHours(2):O}");
        async Task<List<JsonElement>> Points(HttpClient caller, string metric, string dimension = "DBInstanceIdentifier=metrics-db") =>
            [.. (await (await caller.GetAsync($"/api/v1/cloudwatch/metric-statistics?namespace=AWS/RDS&metric_name={metric}&dimension={dimension}"
                + $"&statistic=Minimum&statistic=Maximum&statistic=SampleCount{window}")).AssertOkAsync()).GetProperty("datapoints").EnumerateArray()];
        var free = await Points(client, "FreeStorageSpace");
        Assert.Equal((3e9, 4e9, 2d), (free.Min(p => p.GetProperty("minimum").GetDouble()), free.Max(p => p.GetProperty("maximum").GetDouble()),
            free.Sum(p => p.GetProperty("sample_count").GetDouble())));
        Assert.Equal("Bytes", free[0].GetProperty("unit").GetString());
        Assert.Equal(9, (await Points(client, "DatabaseConnections")).Max(p => p.GetProperty("maximum").GetDouble()));
        // No server heartbeat ran the guest's machine here: its CPU has no datapoint yet, which is no error.
        Assert.Empty(await Points(client, "CPUUtilization"));
        Assert.Empty(await Points(client, "FreeStorageSpace", "DBInstanceIdentifier=nope"));
        await (await client.GetAsync($"/api/v1/cloudwatch/metric-statistics?namespace=AWS/RDS&metric_name=Bogus&dimension=DBInstanceIdentifier=metrics-db&statistic=Maximum{window}"))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");
        await (await client.GetAsync($"/api/v1/cloudwatch/metric-statistics?namespace=AWS/RDS&metric_name=FreeStorageSpace&dimension=InstanceId=metrics-db&statistic=Maximum{window}"))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterCombination");

        // ListMetrics lists the guest's two metrics by the instance's identifier (not CPU and I/O: its machine has no usage datapoints yet).
        async Task<List<string>> Listed(HttpClient caller, string query) =>
            [.. (await (await caller.GetAsync($"/api/v1/cloudwatch/metrics?{query}")).AssertOkAsync()).GetProperty("metrics").EnumerateArray()
                .Select(m => m.GetProperty("namespace").GetString() + ":" + m.GetProperty("metric_name").GetString() + ":" + string.Join(",",
                    m.GetProperty("dimensions").EnumerateArray().Select(d => d.GetProperty("name").GetString() + "=" + d.GetProperty("value").GetString())))];
        Assert.Equal(["AWS/RDS:DatabaseConnections:DBInstanceIdentifier=metrics-db", "AWS/RDS:FreeStorageSpace:DBInstanceIdentifier=metrics-db"],
            await Listed(client, "namespace=AWS/RDS"));
        Assert.Equal(["AWS/RDS:FreeStorageSpace:DBInstanceIdentifier=metrics-db"], await Listed(client, "metric_name=FreeStorageSpace&dimension=DBInstanceIdentifier=metrics-db"));
        Assert.Empty(await Listed(client, "namespace=AWS/RDS&metric_name=CPUUtilization"));
        Assert.Empty(await Listed(client, "namespace=AWS/RDS&dimension=DBInstanceIdentifier=nope"));

        // An alarm may watch it.
        var alarm = await (await client.PutJsonAsync("/api/v1/cloudwatch/alarms/connections", new
        {
            @namespace = "AWS/RDS",
            metric_name = "DatabaseConnections",
            dimensions = new[] { new { name = "DBInstanceIdentifier", value = "metrics-db" } },
            statistic = "Maximum",
            period = 60,
            evaluation_periods = 1,
            threshold = 5,
            comparison_operator = "GreaterThanThreshold",
        })).AssertOkAsync();
        Assert.Equal("DBInstanceIdentifier", alarm.GetProperty("dimensions")[0].GetProperty("name").GetString());

        // Another account naming the same identifier reads nothing of it.
        var other = await root.CreateAccountAsync("rds-metrics-other");
        using var otherClient = platform.App.SignedClient(other);
        Assert.Empty(await Points(otherClient, "FreeStorageSpace"));
        Assert.Empty(await Listed(otherClient, "namespace=AWS/RDS"));
    }

    [Fact]
    public async Task Given_a_user_without_rds_permissions_Then_every_call_is_AccessDenied()
    {
        using var root = platform.RootClient();
        var tenant = await root.CreateAccountAsync("rds-iam");
        using var admin = platform.App.SignedClient(tenant);
        var intern = await admin.CreateUserWithKeyAsync("intern", tenant.AccountId);
        using var client = platform.App.SignedClient(intern);
        await (await client.GetAsync($"{Api}/db-instances")).AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");
        await (await client.PostJsonAsync($"{Api}/db-parameter-groups", new { db_parameter_group_name = "x", db_parameter_group_family = "postgres15", description = "d" }))
            .AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");

        var policy = await admin.CreatePolicyAsync("rds-read", IamSetup.Document(new Dictionary<string, object>
        {
            ["Effect"] = "Allow",
            ["Action"] = "rds:Describe*",
            ["Resource"] = $"arn:aws:rds:us-east-1:{tenant.AccountId}:*",
        }));
        await admin.AttachAsync("intern", policy);
        await (await client.GetAsync($"{Api}/db-instances")).AssertOkAsync();
        await (await client.PostJsonAsync($"{Api}/db-parameter-groups", new { db_parameter_group_name = "x", db_parameter_group_family = "postgres15", description = "d" }))
            .AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");
    }

    [Fact]
    public async Task Given_any_account_Then_it_can_download_the_one_platform_database_CA()
    {
        using var root = platform.RootClient();
        var first = await root.CreateAccountAsync("rds-ca-a");
        var second = await root.CreateAccountAsync("rds-ca-b");
        using var a = platform.App.SignedClient(first);
        using var b = platform.App.SignedClient(second);
        var listed = (await (await a.GetAsync($"{Api}/certificates")).AssertOkAsync()).GetProperty("certificates").EnumerateArray().Single();
        Assert.Equal("CA", listed.GetProperty("certificate_type").GetString());
        var id = listed.GetProperty("certificate_identifier").GetString()!;
        var pemA = await (await a.GetAsync($"{Api}/certificates/{id}/bundle.pem")).Content.ReadAsStringAsync();
        var pemB = await (await b.GetAsync($"{Api}/certificates/{id}/bundle.pem")).Content.ReadAsStringAsync();
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", pemA, StringComparison.Ordinal);
        Assert.Equal(pemA, pemB);
        using var certificate = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(pemA);
        Assert.Equal(listed.GetProperty("thumbprint").GetString(), certificate.Thumbprint);
        await (await a.GetAsync($"{Api}/certificates/rds-ca-2019/bundle.pem")).AssertErrorAsync(HttpStatusCode.NotFound, "CertificateNotFound");
    }

    private static Dictionary<string, object?> CreateBody(string identifier, string subnetGroup) => new()
    {
        ["db_instance_identifier"] = identifier,
        ["engine"] = "postgres",
        ["engine_version"] = "15",
        ["db_instance_class"] = "db.t3.micro",
        ["allocated_storage"] = 20,
        ["master_username"] = "app",
        ["master_user_password"] = "correct-horse-battery",
        ["db_subnet_group_name"] = subnetGroup,
        ["backup_retention_period"] = 7,
        ["preferred_backup_window"] = "03:00-03:30",
    };

    private static async Task CreateSubnetGroupAsync(HttpClient client, TenantNetwork network, string name) =>
        await (await client.PostJsonAsync($"{Api}/db-subnet-groups",
            new { db_subnet_group_name = name, db_subnet_group_description = name, subnet_ids = new[] { network.SubnetA, network.SubnetB } })).AssertOkAsync();

    private static async Task<JsonElement> DescribeAsync(HttpClient client, string identifier) =>
        await (await client.GetAsync($"{Api}/db-instances/{identifier}")).AssertOkAsync();

    /// <summary>The operation a snapshot asked the guest for, as the desired state will carry it to the guest.</summary>
    private async Task<string> OpenOperationAsync(string resourceId, string snapshot)
    {
        await using var connection = new SqliteConnection($"Data Source={platform.App.DatabasePath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT operation_id FROM rds_backup_operations WHERE resource_id = $r AND snapshot_identifier = $s AND completed_at IS NULL";
        command.Parameters.AddWithValue("$r", resourceId);
        command.Parameters.AddWithValue("$s", snapshot);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private async Task<string> DumpAsync(string table)
    {
        await using var connection = new SqliteConnection($"Data Source={platform.App.DatabasePath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT * FROM {table}";
        await using var reader = await command.ExecuteReaderAsync();
        var text = new System.Text.StringBuilder();
        while (await reader.ReadAsync())
        {
            for (var i = 0; i < reader.FieldCount; i++)
            {
                text.Append(reader.GetValue(i)).Append('|');
            }
        }

        return text.ToString();
    }
}
