using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Storage.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class Volumes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "storage_snapshots",
                columns: table => new
                {
                    snapshot_id = table.Column<string>(type: "TEXT", maxLength: 22, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    volume_id = table.Column<string>(type: "TEXT", maxLength: 21, nullable: false),
                    volume_size_gib = table.Column<int>(type: "INTEGER", nullable: false),
                    description = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    state = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    host_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    blob_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    size_bytes = table.Column<long>(type: "INTEGER", nullable: false),
                    started_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    completed_at = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_storage_snapshots", x => x.snapshot_id);
                });

            migrationBuilder.CreateTable(
                name: "storage_volumes",
                columns: table => new
                {
                    volume_id = table.Column<string>(type: "TEXT", maxLength: 21, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    availability_zone = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    size_gib = table.Column<int>(type: "INTEGER", nullable: false),
                    volume_type = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    snapshot_id = table.Column<string>(type: "TEXT", maxLength: 22, nullable: true),
                    state = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    host_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    materialized = table.Column<bool>(type: "INTEGER", nullable: false),
                    instance_id = table.Column<string>(type: "TEXT", maxLength: 19, nullable: true),
                    device = table.Column<string>(type: "TEXT", maxLength: 16, nullable: true),
                    attachment_state = table.Column<string>(type: "TEXT", maxLength: 16, nullable: true),
                    attached_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    changed_at_version = table.Column<long>(type: "INTEGER", nullable: false),
                    client_token = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    parameters_hash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    revision = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_storage_volumes", x => x.volume_id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_storage_snapshots_account_id",
                table: "storage_snapshots",
                column: "account_id");

            migrationBuilder.CreateIndex(
                name: "IX_storage_snapshots_blob_id",
                table: "storage_snapshots",
                column: "blob_id");

            migrationBuilder.CreateIndex(
                name: "IX_storage_snapshots_volume_id",
                table: "storage_snapshots",
                column: "volume_id");

            migrationBuilder.CreateIndex(
                name: "IX_storage_volumes_account_id",
                table: "storage_volumes",
                column: "account_id");

            migrationBuilder.CreateIndex(
                name: "IX_storage_volumes_account_id_client_token",
                table: "storage_volumes",
                columns: new[] { "account_id", "client_token" },
                unique: true,
                filter: "client_token IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_storage_volumes_host_id",
                table: "storage_volumes",
                column: "host_id");

            migrationBuilder.CreateIndex(
                name: "IX_storage_volumes_instance_id_device",
                table: "storage_volumes",
                columns: new[] { "instance_id", "device" },
                unique: true,
                filter: "instance_id IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "storage_snapshots");

            migrationBuilder.DropTable(
                name: "storage_volumes");
        }
    }
}
