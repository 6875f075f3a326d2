using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Compute.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.EnsureSchema(
                name: "compute");

            migrationBuilder.CreateTable(
                name: "hosts",
                schema: "compute",
                columns: table => new
                {
                    id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    name = table.Column<string>(type: "nvarchar(253)", maxLength: 253, nullable: false),
                    availability_zone = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    credential_hash = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    cpus = table.Column<int>(type: "int", nullable: false),
                    memory_mib = table.Column<long>(type: "bigint", nullable: false),
                    disk_bytes = table.Column<long>(type: "bigint", nullable: false),
                    disk_free_bytes = table.Column<long>(type: "bigint", nullable: false),
                    running_domains = table.Column<int>(type: "int", nullable: false),
                    desired_version = table.Column<long>(type: "bigint", nullable: false),
                    applied_version = table.Column<long>(type: "bigint", nullable: false),
                    enrolled_at = table.Column<DateTime>(type: "datetime2", nullable: false),
                    last_heartbeat_at = table.Column<DateTime>(type: "datetime2", nullable: false),
                    disabled = table.Column<bool>(type: "bit", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_hosts", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "images",
                schema: "compute",
                columns: table => new
                {
                    id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    name = table.Column<string>(type: "nvarchar(128)", maxLength: 128, nullable: false),
                    description = table.Column<string>(type: "nvarchar(255)", maxLength: 255, nullable: true),
                    format = table.Column<string>(type: "nvarchar(16)", maxLength: 16, nullable: false),
                    command_line = table.Column<string>(type: "nvarchar(1024)", maxLength: 1024, nullable: false),
                    state = table.Column<string>(type: "nvarchar(16)", maxLength: 16, nullable: false),
                    is_public = table.Column<bool>(type: "bit", nullable: false),
                    parts = table.Column<string>(type: "nvarchar(max)", maxLength: 4096, nullable: false),
                    created_at = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_images", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "instances",
                schema: "compute",
                columns: table => new
                {
                    id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    instance_type = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    image_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    image_format = table.Column<string>(type: "nvarchar(16)", maxLength: 16, nullable: false),
                    image_command_line = table.Column<string>(type: "nvarchar(1024)", maxLength: 1024, nullable: false),
                    key_name = table.Column<string>(type: "nvarchar(255)", maxLength: 255, nullable: true),
                    public_key = table.Column<string>(type: "nvarchar(max)", maxLength: 16384, nullable: true),
                    state = table.Column<string>(type: "nvarchar(16)", maxLength: 16, nullable: false),
                    state_reason = table.Column<string>(type: "nvarchar(1024)", maxLength: 1024, nullable: true),
                    host_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    availability_zone = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    private_ip_address = table.Column<string>(type: "nvarchar(45)", maxLength: 45, nullable: true),
                    security_groups = table.Column<string>(type: "nvarchar(max)", maxLength: 4096, nullable: false),
                    client_token = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: true),
                    parameters_hash = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: true),
                    desired_power = table.Column<string>(type: "nvarchar(16)", maxLength: 16, nullable: false),
                    reboot_count = table.Column<int>(type: "int", nullable: false),
                    changed_at_version = table.Column<long>(type: "bigint", nullable: false),
                    created_at = table.Column<DateTime>(type: "datetime2", nullable: false),
                    launched_at = table.Column<DateTime>(type: "datetime2", nullable: true),
                    terminated_at = table.Column<DateTime>(type: "datetime2", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_instances", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "join_tokens",
                schema: "compute",
                columns: table => new
                {
                    id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    token_hash = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    availability_zone = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    created_at = table.Column<DateTime>(type: "datetime2", nullable: false),
                    expires_at = table.Column<DateTime>(type: "datetime2", nullable: false),
                    used_at = table.Column<DateTime>(type: "datetime2", nullable: true),
                    host_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_join_tokens", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "key_pairs",
                schema: "compute",
                columns: table => new
                {
                    id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    name = table.Column<string>(type: "nvarchar(255)", maxLength: 255, nullable: false),
                    key_type = table.Column<string>(type: "nvarchar(16)", maxLength: 16, nullable: false),
                    public_key = table.Column<string>(type: "nvarchar(max)", maxLength: 16384, nullable: false),
                    fingerprint = table.Column<string>(type: "nvarchar(128)", maxLength: 128, nullable: false),
                    created_at = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_key_pairs", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "outbox_messages",
                schema: "compute",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    type = table.Column<string>(type: "nvarchar(512)", maxLength: 512, nullable: false),
                    payload = table.Column<string>(type: "nvarchar(max)", nullable: false),
                    occurred_at = table.Column<DateTime>(type: "datetime2", nullable: false),
                    processed_at = table.Column<DateTime>(type: "datetime2", nullable: true),
                    attempts = table.Column<int>(type: "int", nullable: false),
                    last_error = table.Column<string>(type: "nvarchar(2000)", maxLength: 2000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_outbox_messages", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "instance_tags",
                schema: "compute",
                columns: table => new
                {
                    instance_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    key = table.Column<string>(type: "nvarchar(128)", maxLength: 128, nullable: false),
                    value = table.Column<string>(type: "nvarchar(256)", maxLength: 256, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_instance_tags", x => new { x.instance_id, x.key });
                    table.ForeignKey(
                        name: "FK_instance_tags_instances_instance_id",
                        column: x => x.instance_id,
                        principalSchema: "compute",
                        principalTable: "instances",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_images_account_id_name",
                schema: "compute",
                table: "images",
                columns: new[] { "account_id", "name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_instances_account_id_client_token",
                schema: "compute",
                table: "instances",
                columns: new[] { "account_id", "client_token" },
                unique: true,
                filter: "client_token IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_instances_account_id_state",
                schema: "compute",
                table: "instances",
                columns: new[] { "account_id", "state" });

            migrationBuilder.CreateIndex(
                name: "IX_instances_host_id_state",
                schema: "compute",
                table: "instances",
                columns: new[] { "host_id", "state" });

            migrationBuilder.CreateIndex(
                name: "IX_join_tokens_token_hash",
                schema: "compute",
                table: "join_tokens",
                column: "token_hash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_key_pairs_account_id_name",
                schema: "compute",
                table: "key_pairs",
                columns: new[] { "account_id", "name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_outbox_messages_processed_at_occurred_at",
                schema: "compute",
                table: "outbox_messages",
                columns: new[] { "processed_at", "occurred_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "hosts",
                schema: "compute");

            migrationBuilder.DropTable(
                name: "images",
                schema: "compute");

            migrationBuilder.DropTable(
                name: "instance_tags",
                schema: "compute");

            migrationBuilder.DropTable(
                name: "join_tokens",
                schema: "compute");

            migrationBuilder.DropTable(
                name: "key_pairs",
                schema: "compute");

            migrationBuilder.DropTable(
                name: "outbox_messages",
                schema: "compute");

            migrationBuilder.DropTable(
                name: "instances",
                schema: "compute");
        }
    }
}
