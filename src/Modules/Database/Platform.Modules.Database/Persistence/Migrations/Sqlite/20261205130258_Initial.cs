using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Database.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "rds_backup_operations",
                columns: table => new
                {
                    operation_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    resource_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    kind = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    scheduled_day = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    snapshot_identifier = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    requested_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    completed_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    succeeded = table.Column<bool>(type: "INTEGER", nullable: true),
                    backup_label = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    error = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_rds_backup_operations", x => x.operation_id);
                });

            migrationBuilder.CreateTable(
                name: "rds_certificate_authorities",
                columns: table => new
                {
                    identifier = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    certificate_pem = table.Column<string>(type: "TEXT", maxLength: 8000, nullable: false),
                    private_key_protected = table.Column<string>(type: "TEXT", maxLength: 8000, nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_rds_certificate_authorities", x => x.identifier);
                });

            migrationBuilder.CreateTable(
                name: "rds_db_instances",
                columns: table => new
                {
                    resource_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    identifier = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    engine = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    engine_version = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    instance_class = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    allocated_storage = table.Column<int>(type: "INTEGER", nullable: false),
                    master_username = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    master_password_protected = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    port = table.Column<int>(type: "INTEGER", nullable: false),
                    subnet_group_name = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    vpc_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    availability_zone = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    security_group_ids = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: false),
                    parameter_group_name = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    backup_retention_period = table.Column<int>(type: "INTEGER", nullable: false),
                    preferred_backup_window = table.Column<string>(type: "TEXT", maxLength: 11, nullable: false),
                    preferred_maintenance_window = table.Column<string>(type: "TEXT", maxLength: 19, nullable: false),
                    publicly_accessible = table.Column<bool>(type: "INTEGER", nullable: false),
                    deletion_protection = table.Column<bool>(type: "INTEGER", nullable: false),
                    status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    generation = table.Column<long>(type: "INTEGER", nullable: false),
                    applied_generation = table.Column<long>(type: "INTEGER", nullable: false),
                    parameter_apply_status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    status_message = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: true),
                    earliest_restorable_time = table.Column<DateTime>(type: "TEXT", nullable: true),
                    latest_restorable_time = table.Column<DateTime>(type: "TEXT", nullable: true),
                    restored_from = table.Column<string>(type: "TEXT", maxLength: 512, nullable: true),
                    tags = table.Column<string>(type: "TEXT", nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    last_backup_day = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    version = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_rds_db_instances", x => x.resource_id);
                });

            migrationBuilder.CreateTable(
                name: "rds_db_parameter_groups",
                columns: table => new
                {
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    family = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    description = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    parameters = table.Column<string>(type: "TEXT", nullable: false),
                    tags = table.Column<string>(type: "TEXT", nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    version = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_rds_db_parameter_groups", x => new { x.account_id, x.name });
                });

            migrationBuilder.CreateTable(
                name: "rds_db_snapshots",
                columns: table => new
                {
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    identifier = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    source_instance_identifier = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    source_resource_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    snapshot_type = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    operation_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    backup_label = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    engine = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    engine_version = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    allocated_storage = table.Column<int>(type: "INTEGER", nullable: false),
                    master_username = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    master_password_protected = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    port = table.Column<int>(type: "INTEGER", nullable: false),
                    vpc_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    tags = table.Column<string>(type: "TEXT", nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    snapshot_create_time = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_rds_db_snapshots", x => new { x.account_id, x.identifier });
                });

            migrationBuilder.CreateTable(
                name: "rds_db_subnet_groups",
                columns: table => new
                {
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    description = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    vpc_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    subnets = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    tags = table.Column<string>(type: "TEXT", nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_rds_db_subnet_groups", x => new { x.account_id, x.name });
                });

            migrationBuilder.CreateTable(
                name: "rds_outbox_messages",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    type = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    payload = table.Column<string>(type: "TEXT", nullable: false),
                    occurred_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    processed_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    last_error = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_rds_outbox_messages", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_rds_backup_operations_resource_id_completed_at",
                table: "rds_backup_operations",
                columns: new[] { "resource_id", "completed_at" });

            migrationBuilder.CreateIndex(
                name: "IX_rds_backup_operations_resource_id_scheduled_day",
                table: "rds_backup_operations",
                columns: new[] { "resource_id", "scheduled_day" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_rds_db_instances_account_id_identifier",
                table: "rds_db_instances",
                columns: new[] { "account_id", "identifier" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_rds_db_snapshots_operation_id",
                table: "rds_db_snapshots",
                column: "operation_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_rds_outbox_messages_processed_at_occurred_at",
                table: "rds_outbox_messages",
                columns: new[] { "processed_at", "occurred_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "rds_backup_operations");

            migrationBuilder.DropTable(
                name: "rds_certificate_authorities");

            migrationBuilder.DropTable(
                name: "rds_db_instances");

            migrationBuilder.DropTable(
                name: "rds_db_parameter_groups");

            migrationBuilder.DropTable(
                name: "rds_db_snapshots");

            migrationBuilder.DropTable(
                name: "rds_db_subnet_groups");

            migrationBuilder.DropTable(
                name: "rds_outbox_messages");
        }
    }
}
