using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Database.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class AddReplicaLagMetrics : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<double>(
                name: "replica_lag_maximum",
                schema: "rds",
                table: "db_instance_metrics",
                type: "float",
                nullable: false,
                defaultValue: 0.0);

            migrationBuilder.AddColumn<double>(
                name: "replica_lag_minimum",
                schema: "rds",
                table: "db_instance_metrics",
                type: "float",
                nullable: false,
                defaultValue: 0.0);

            migrationBuilder.AddColumn<int>(
                name: "replica_lag_samples",
                schema: "rds",
                table: "db_instance_metrics",
                type: "int",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<double>(
                name: "replica_lag_sum",
                schema: "rds",
                table: "db_instance_metrics",
                type: "float",
                nullable: false,
                defaultValue: 0.0);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "replica_lag_maximum",
                schema: "rds",
                table: "db_instance_metrics");

            migrationBuilder.DropColumn(
                name: "replica_lag_minimum",
                schema: "rds",
                table: "db_instance_metrics");

            migrationBuilder.DropColumn(
                name: "replica_lag_samples",
                schema: "rds",
                table: "db_instance_metrics");

            migrationBuilder.DropColumn(
                name: "replica_lag_sum",
                schema: "rds",
                table: "db_instance_metrics");
        }
    }
}
