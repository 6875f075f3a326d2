using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Compute.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class LifecycleHooks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "compute_lifecycle_actions",
                columns: table => new
                {
                    token = table.Column<string>(type: "TEXT", maxLength: 36, nullable: false),
                    group_id = table.Column<string>(type: "TEXT", maxLength: 36, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    member_token = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    instance_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    hook_name = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    transition = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    deadline = table.Column<DateTime>(type: "TEXT", nullable: false),
                    global_deadline = table.Column<DateTime>(type: "TEXT", nullable: false),
                    result = table.Column<string>(type: "TEXT", maxLength: 16, nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_compute_lifecycle_actions", x => x.token);
                });

            migrationBuilder.CreateTable(
                name: "compute_lifecycle_hooks",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 36, nullable: false),
                    group_id = table.Column<string>(type: "TEXT", maxLength: 36, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    transition = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    heartbeat_timeout = table.Column<int>(type: "INTEGER", nullable: false),
                    default_result = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    notification_metadata = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_compute_lifecycle_hooks", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_compute_lifecycle_actions_group_id_instance_id",
                table: "compute_lifecycle_actions",
                columns: new[] { "group_id", "instance_id" });

            migrationBuilder.CreateIndex(
                name: "IX_compute_lifecycle_actions_member_token_hook_name_transition",
                table: "compute_lifecycle_actions",
                columns: new[] { "member_token", "hook_name", "transition" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_compute_lifecycle_hooks_group_id_name",
                table: "compute_lifecycle_hooks",
                columns: new[] { "group_id", "name" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "compute_lifecycle_actions");

            migrationBuilder.DropTable(
                name: "compute_lifecycle_hooks");
        }
    }
}
