using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Database.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class AddDbInstanceMetrics : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "db_instance_metrics",
                schema: "rds",
                columns: table => new
                {
                    resource_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    period_start = table.Column<DateTime>(type: "datetime2", nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    samples = table.Column<int>(type: "int", nullable: false),
                    free_storage_sum = table.Column<double>(type: "float", nullable: false),
                    free_storage_minimum = table.Column<double>(type: "float", nullable: false),
                    free_storage_maximum = table.Column<double>(type: "float", nullable: false),
                    connections_sum = table.Column<double>(type: "float", nullable: false),
                    connections_minimum = table.Column<double>(type: "float", nullable: false),
                    connections_maximum = table.Column<double>(type: "float", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_db_instance_metrics", x => new { x.resource_id, x.period_start });
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "db_instance_metrics",
                schema: "rds");
        }
    }
}
