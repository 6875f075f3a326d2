using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Compute.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class IamInstanceProfileAssociations : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "iam_instance_profile_arn",
                table: "compute_instances",
                type: "TEXT",
                maxLength: 2048,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "iam_instance_profile_associated_at",
                table: "compute_instances",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "iam_instance_profile_association_id",
                table: "compute_instances",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "iam_instance_profile_id",
                table: "compute_instances",
                type: "TEXT",
                maxLength: 128,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_compute_instances_iam_instance_profile_association_id",
                table: "compute_instances",
                column: "iam_instance_profile_association_id",
                unique: true,
                filter: "iam_instance_profile_association_id IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_compute_instances_iam_instance_profile_association_id",
                table: "compute_instances");

            migrationBuilder.DropColumn(
                name: "iam_instance_profile_arn",
                table: "compute_instances");

            migrationBuilder.DropColumn(
                name: "iam_instance_profile_associated_at",
                table: "compute_instances");

            migrationBuilder.DropColumn(
                name: "iam_instance_profile_association_id",
                table: "compute_instances");

            migrationBuilder.DropColumn(
                name: "iam_instance_profile_id",
                table: "compute_instances");
        }
    }
}
