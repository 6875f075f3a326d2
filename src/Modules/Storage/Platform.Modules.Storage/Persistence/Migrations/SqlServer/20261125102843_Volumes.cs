using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Storage.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class Volumes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "snapshots",
                schema: "storage",
                columns: table => new
                {
                    snapshot_id = table.Column<string>(type: "nvarchar(22)", maxLength: 22, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    volume_id = table.Column<string>(type: "nvarchar(21)", maxLength: 21, nullable: false),
                    volume_size_gib = table.Column<int>(type: "int", nullable: false),
                    description = table.Column<string>(type: "nvarchar(255)", maxLength: 255, nullable: true),
                    state = table.Column<string>(type: "nvarchar(16)", maxLength: 16, nullable: false),
                    host_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: true),
                    blob_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: true),
                    size_bytes = table.Column<long>(type: "bigint", nullable: false),
                    started_at = table.Column<DateTime>(type: "datetime2", nullable: false),
                    completed_at = table.Column<DateTime>(type: "datetime2", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_snapshots", x => x.snapshot_id);
                });

            migrationBuilder.CreateTable(
                name: "volumes",
                schema: "storage",
                columns: table => new
                {
                    volume_id = table.Column<string>(type: "nvarchar(21)", maxLength: 21, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    availability_zone = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    size_gib = table.Column<int>(type: "int", nullable: false),
                    volume_type = table.Column<string>(type: "nvarchar(16)", maxLength: 16, nullable: false),
                    snapshot_id = table.Column<string>(type: "nvarchar(22)", maxLength: 22, nullable: true),
                    state = table.Column<string>(type: "nvarchar(16)", maxLength: 16, nullable: false),
                    host_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: true),
                    materialized = table.Column<bool>(type: "bit", nullable: false),
                    instance_id = table.Column<string>(type: "nvarchar(19)", maxLength: 19, nullable: true),
                    device = table.Column<string>(type: "nvarchar(16)", maxLength: 16, nullable: true),
                    attachment_state = table.Column<string>(type: "nvarchar(16)", maxLength: 16, nullable: true),
                    attached_at = table.Column<DateTime>(type: "datetime2", nullable: true),
                    changed_at_version = table.Column<long>(type: "bigint", nullable: false),
                    client_token = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: true),
                    parameters_hash = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: true),
                    created_at = table.Column<DateTime>(type: "datetime2", nullable: false),
                    revision = table.Column<int>(type: "int", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_volumes", x => x.volume_id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_snapshots_account_id",
                schema: "storage",
                table: "snapshots",
                column: "account_id");

            migrationBuilder.CreateIndex(
                name: "IX_snapshots_blob_id",
                schema: "storage",
                table: "snapshots",
                column: "blob_id");

            migrationBuilder.CreateIndex(
                name: "IX_snapshots_volume_id",
                schema: "storage",
                table: "snapshots",
                column: "volume_id");

            migrationBuilder.CreateIndex(
                name: "IX_volumes_account_id",
                schema: "storage",
                table: "volumes",
                column: "account_id");

            migrationBuilder.CreateIndex(
                name: "IX_volumes_account_id_client_token",
                schema: "storage",
                table: "volumes",
                columns: new[] { "account_id", "client_token" },
                unique: true,
                filter: "client_token IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_volumes_host_id",
                schema: "storage",
                table: "volumes",
                column: "host_id");

            migrationBuilder.CreateIndex(
                name: "IX_volumes_instance_id_device",
                schema: "storage",
                table: "volumes",
                columns: new[] { "instance_id", "device" },
                unique: true,
                filter: "instance_id IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "snapshots",
                schema: "storage");

            migrationBuilder.DropTable(
                name: "volumes",
                schema: "storage");
        }
    }
}
