using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Database.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class AddDbInstanceMetrics : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "rds_db_instance_metrics",
                columns: table => new
                {
                    resource_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    period_start = table.Column<DateTime>(type: "TEXT", nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    samples = table.Column<int>(type: "INTEGER", nullable: false),
                    free_storage_sum = table.Column<double>(type: "REAL", nullable: false),
                    free_storage_minimum = table.Column<double>(type: "REAL", nullable: false),
                    free_storage_maximum = table.Column<double>(type: "REAL", nullable: false),
                    connections_sum = table.Column<double>(type: "REAL", nullable: false),
                    connections_minimum = table.Column<double>(type: "REAL", nullable: false),
                    connections_maximum = table.Column<double>(type: "REAL", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_rds_db_instance_metrics", x => new { x.resource_id, x.period_start });
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "rds_db_instance_metrics");
        }
    }
}
