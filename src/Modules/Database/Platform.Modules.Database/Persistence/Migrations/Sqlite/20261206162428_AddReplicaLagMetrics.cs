using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Database.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class AddReplicaLagMetrics : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<double>(
                name: "replica_lag_maximum",
                table: "rds_db_instance_metrics",
                type: "REAL",
                nullable: false,
                defaultValue: 0.0);

            migrationBuilder.AddColumn<double>(
                name: "replica_lag_minimum",
                table: "rds_db_instance_metrics",
                type: "REAL",
                nullable: false,
                defaultValue: 0.0);

            migrationBuilder.AddColumn<int>(
                name: "replica_lag_samples",
                table: "rds_db_instance_metrics",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<double>(
                name: "replica_lag_sum",
                table: "rds_db_instance_metrics",
                type: "REAL",
                nullable: false,
                defaultValue: 0.0);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "replica_lag_maximum",
                table: "rds_db_instance_metrics");

            migrationBuilder.DropColumn(
                name: "replica_lag_minimum",
                table: "rds_db_instance_metrics");

            migrationBuilder.DropColumn(
                name: "replica_lag_samples",
                table: "rds_db_instance_metrics");

            migrationBuilder.DropColumn(
                name: "replica_lag_sum",
                table: "rds_db_instance_metrics");
        }
    }
}
