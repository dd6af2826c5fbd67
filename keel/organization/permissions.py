"""Actions of the organisation app (people, titles, sites, departments, tokens)."""

from keel.core.permissions import Area, Level, declare

A = Area.ADMINISTRATION

VIEW_PERSON = declare("organization.view_person", area=A, minimum_level=Level.VIEW, label="View people")
CREATE_PERSON = declare("organization.create_person", area=A, minimum_level=Level.MANAGE, label="Create people")
CHANGE_PERSON = declare("organization.change_person", area=A, minimum_level=Level.MANAGE, label="Change people")
DEACTIVATE_PERSON = declare("organization.deactivate_person", area=A, minimum_level=Level.MANAGE, label="Deactivate people")
GRANT_SCOPE = declare("organization.grant_scope", area=A, minimum_level=Level.MANAGE, label="Give people extra sites or departments")
VIEW_JOB_TITLE = declare("organization.view_job_title", area=A, minimum_level=Level.VIEW, label="View job titles and presets")
CREATE_JOB_TITLE = declare("organization.create_job_title", area=A, minimum_level=Level.MANAGE, label="Add job titles")
CHANGE_JOB_TITLE = declare("organization.change_job_title", area=A, minimum_level=Level.MANAGE, label="Edit role presets")
VIEW_SITE = declare("organization.view_site", area=A, minimum_level=Level.VIEW, label="View sites and departments")
CREATE_SITE = declare("organization.create_site", area=A, minimum_level=Level.MANAGE, label="Create sites and departments")
CHANGE_SITE = declare("organization.change_site", area=A, minimum_level=Level.MANAGE, label="Change sites and departments")
# Everyone signed in may use Keel at all, and manage their own API tokens; presets can
# revoke token use for a title.
USE_KEEL = declare("organization.use_keel", area=Area.ADMINISTRATION, minimum_level=Level.NONE, label="Sign in and see the home page")
MANAGE_OWN_TOKENS = declare("organization.manage_own_tokens", area=Area.AUTOMATION, minimum_level=Level.NONE, label="Create and revoke own API tokens")
