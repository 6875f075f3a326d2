using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Compute.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class ScheduledActions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "scheduled_actions",
                schema: "compute",
                columns: table => new
                {
                    id = table.Column<string>(type: "nvarchar(36)", maxLength: 36, nullable: false),
                    group_id = table.Column<string>(type: "nvarchar(36)", maxLength: 36, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    name = table.Column<string>(type: "nvarchar(255)", maxLength: 255, nullable: false),
                    start_time = table.Column<DateTime>(type: "datetime2", nullable: true),
                    end_time = table.Column<DateTime>(type: "datetime2", nullable: true),
                    recurrence = table.Column<string>(type: "nvarchar(255)", maxLength: 255, nullable: true),
                    time_zone = table.Column<string>(type: "nvarchar(255)", maxLength: 255, nullable: true),
                    min_size = table.Column<int>(type: "int", nullable: true),
                    max_size = table.Column<int>(type: "int", nullable: true),
                    desired_capacity = table.Column<int>(type: "int", nullable: true),
                    next_run_at = table.Column<DateTime>(type: "datetime2", nullable: true),
                    last_run_at = table.Column<DateTime>(type: "datetime2", nullable: true),
                    created_at = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_scheduled_actions", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_scheduled_actions_group_id_name",
                schema: "compute",
                table: "scheduled_actions",
                columns: new[] { "group_id", "name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_scheduled_actions_group_id_next_run_at",
                schema: "compute",
                table: "scheduled_actions",
                columns: new[] { "group_id", "next_run_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "scheduled_actions",
                schema: "compute");
        }
    }
}
