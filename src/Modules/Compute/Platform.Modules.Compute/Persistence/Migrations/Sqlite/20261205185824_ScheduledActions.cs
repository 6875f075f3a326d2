using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Compute.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class ScheduledActions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "compute_scheduled_actions",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 36, nullable: false),
                    group_id = table.Column<string>(type: "TEXT", maxLength: 36, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    start_time = table.Column<DateTime>(type: "TEXT", nullable: true),
                    end_time = table.Column<DateTime>(type: "TEXT", nullable: true),
                    recurrence = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    time_zone = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    min_size = table.Column<int>(type: "INTEGER", nullable: true),
                    max_size = table.Column<int>(type: "INTEGER", nullable: true),
                    desired_capacity = table.Column<int>(type: "INTEGER", nullable: true),
                    next_run_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    last_run_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_compute_scheduled_actions", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_compute_scheduled_actions_group_id_name",
                table: "compute_scheduled_actions",
                columns: new[] { "group_id", "name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_compute_scheduled_actions_group_id_next_run_at",
                table: "compute_scheduled_actions",
                columns: new[] { "group_id", "next_run_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "compute_scheduled_actions");
        }
    }
}
