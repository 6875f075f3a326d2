using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Compute.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "compute_hosts",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 253, nullable: false),
                    availability_zone = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    credential_hash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    cpus = table.Column<int>(type: "INTEGER", nullable: false),
                    memory_mib = table.Column<long>(type: "INTEGER", nullable: false),
                    disk_bytes = table.Column<long>(type: "INTEGER", nullable: false),
                    disk_free_bytes = table.Column<long>(type: "INTEGER", nullable: false),
                    running_domains = table.Column<int>(type: "INTEGER", nullable: false),
                    desired_version = table.Column<long>(type: "INTEGER", nullable: false),
                    applied_version = table.Column<long>(type: "INTEGER", nullable: false),
                    enrolled_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    last_heartbeat_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    disabled = table.Column<bool>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_compute_hosts", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "compute_images",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    description = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    format = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    command_line = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: false),
                    state = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    is_public = table.Column<bool>(type: "INTEGER", nullable: false),
                    parts = table.Column<string>(type: "TEXT", maxLength: 4096, nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_compute_images", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "compute_instances",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    instance_type = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    image_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    image_format = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    image_command_line = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: false),
                    key_name = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    public_key = table.Column<string>(type: "TEXT", maxLength: 16384, nullable: true),
                    state = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    state_reason = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: true),
                    host_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    availability_zone = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    private_ip_address = table.Column<string>(type: "TEXT", maxLength: 45, nullable: true),
                    security_groups = table.Column<string>(type: "TEXT", maxLength: 4096, nullable: false),
                    client_token = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    parameters_hash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    desired_power = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    reboot_count = table.Column<int>(type: "INTEGER", nullable: false),
                    changed_at_version = table.Column<long>(type: "INTEGER", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    launched_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    terminated_at = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_compute_instances", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "compute_join_tokens",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    token_hash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    availability_zone = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    expires_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    used_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    host_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_compute_join_tokens", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "compute_key_pairs",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    key_type = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    public_key = table.Column<string>(type: "TEXT", maxLength: 16384, nullable: false),
                    fingerprint = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_compute_key_pairs", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "compute_outbox_messages",
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
                    table.PrimaryKey("PK_compute_outbox_messages", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "compute_instance_tags",
                columns: table => new
                {
                    instance_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    key = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    value = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_compute_instance_tags", x => new { x.instance_id, x.key });
                    table.ForeignKey(
                        name: "FK_compute_instance_tags_compute_instances_instance_id",
                        column: x => x.instance_id,
                        principalTable: "compute_instances",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_compute_images_account_id_name",
                table: "compute_images",
                columns: new[] { "account_id", "name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_compute_instances_account_id_client_token",
                table: "compute_instances",
                columns: new[] { "account_id", "client_token" },
                unique: true,
                filter: "client_token IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_compute_instances_account_id_state",
                table: "compute_instances",
                columns: new[] { "account_id", "state" });

            migrationBuilder.CreateIndex(
                name: "IX_compute_instances_host_id_state",
                table: "compute_instances",
                columns: new[] { "host_id", "state" });

            migrationBuilder.CreateIndex(
                name: "IX_compute_join_tokens_token_hash",
                table: "compute_join_tokens",
                column: "token_hash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_compute_key_pairs_account_id_name",
                table: "compute_key_pairs",
                columns: new[] { "account_id", "name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_compute_outbox_messages_processed_at_occurred_at",
                table: "compute_outbox_messages",
                columns: new[] { "processed_at", "occurred_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "compute_hosts");

            migrationBuilder.DropTable(
                name: "compute_images");

            migrationBuilder.DropTable(
                name: "compute_instance_tags");

            migrationBuilder.DropTable(
                name: "compute_join_tokens");

            migrationBuilder.DropTable(
                name: "compute_key_pairs");

            migrationBuilder.DropTable(
                name: "compute_outbox_messages");

            migrationBuilder.DropTable(
                name: "compute_instances");
        }
    }
}
