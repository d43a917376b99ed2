"""Assessments: turning hotspot results into decisions and documents."""
