-- A schema-1 database as watcher 0.1.0 wrote it (before migrations), dumped with sqlite3's
-- iterdump after two 'run --once' over tests/test_end_to_end.py's HISTORY, then HISTORY + NEW with
-- the Slack target answering 500: two items baseline, two seen, two detected with their events and
-- alerts, email sent, two Slack rows pending. {FEEDS} stands for the feed server's address.
BEGIN TRANSACTION;
CREATE TABLE alerts (
	id INTEGER NOT NULL, 
	event_id INTEGER, 
	kind VARCHAR(16) NOT NULL, 
	title TEXT NOT NULL, 
	text TEXT NOT NULL, 
	markdown TEXT NOT NULL, 
	html TEXT NOT NULL, 
	created DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(event_id) REFERENCES events (id)
);
INSERT INTO "alerts" VALUES(1,1,'new','Strike reported: Idlib countryside (Idlib, SY) — air or drone strike by Russia','Russian warplanes pound villages in Idlib countryside
Regional News

Where: Idlib countryside (Idlib, SY); Idlib (Idlib, SY)
What: air or drone strike
By: Russia
Target: villages
Casualties: at least 5 killed
Date of strike: Friday

Evidence:
  “Russian warplanes pound villages in Idlib countryside”
  “Russian warplanes carried out a series of air strikes on villages south of Idlib city on Friday, killing at least five civilians, rescue workers said.”

Read: {FEEDS}/article/idlib-raids.html?utm_source=rss

Rule strike-iraq-syria · score 1.00 · event 1
Why: matched “Russian” (actor, at 0), “warplanes pound” (term, at 8), “Idlib countryside” (place, at 36), “air strikes” (term, at 151), “Idlib” (place, at 184)
','**Russian warplanes pound villages in Idlib countryside**
Regional News

**Where:** Idlib countryside (Idlib, SY); Idlib (Idlib, SY)
**What:** air or drone strike
**By:** Russia
**Target:** villages
**Casualties:** at least 5 killed
**Date of strike:** Friday

**Evidence:**
> “Russian warplanes pound villages in Idlib countryside”
> “Russian warplanes carried out a series of air strikes on villages south of Idlib city on Friday, killing at least five civilians, rescue workers said.”

[Read the report](<{FEEDS}/article/idlib-raids.html?utm_source=rss>)

Rule `strike-iraq-syria` · score 1.00 · event 1
_Why:_ matched “Russian” (actor, at 0), “warplanes pound” (term, at 8), “Idlib countryside” (place, at 36), “air strikes” (term, at 151), “Idlib” (place, at 184)
','<h3>Russian warplanes pound villages in Idlib countryside</h3>
<p>Regional News</p>
<ul><li><strong>Where:</strong> Idlib countryside (Idlib, SY); Idlib (Idlib, SY)</li><li><strong>What:</strong> air or drone strike</li><li><strong>By:</strong> Russia</li><li><strong>Target:</strong> villages</li><li><strong>Casualties:</strong> at least 5 killed</li><li><strong>Date of strike:</strong> Friday</li></ul>
<p><strong>Evidence:</strong></p><blockquote>“Russian warplanes pound villages in Idlib countryside”</blockquote><blockquote>“Russian warplanes carried out a series of air strikes on villages south of Idlib city on Friday, killing at least five civilians, rescue workers said.”</blockquote>
<p><a href="{FEEDS}/article/idlib-raids.html?utm_source=rss">Read the report</a></p>
<p><small>Rule strike-iraq-syria · score 1.00 · event 1</small></p>
<p><small>Why: matched “Russian” (actor, at 0), “warplanes pound” (term, at 8), “Idlib countryside” (place, at 36), “air strikes” (term, at 151), “Idlib” (place, at 184)</small></p>
','2026-12-07 03:28:44.047601');
INSERT INTO "alerts" VALUES(2,2,'new','Strike reported: Jurf al-Sakhar (Babil, IQ) — air or drone strike by United States','US strikes Kataib Hezbollah sites in Jurf al-Sakhar
Wire News

Where: Jurf al-Sakhar (Babil, IQ); Baghdad (Baghdad, IQ)
What: air or drone strike
By: United States
Target: Kataib Hezbollah sites
Casualties: 3 killed
Date of strike: Thursday

Evidence:
  “US strikes Kataib Hezbollah sites in Jurf al-Sakhar”
  “US military aircraft struck weapons depots of the Kataib Hezbollah militia in Jurf al-Sakhar, south of Baghdad, on Thursday night, two US officials said.”

Read: {FEEDS}/article/kh-strikes.html?utm_source=rss

Rule strike-iraq-syria · score 0.99 · event 2
Why: matched “US” (actor, at 0), “strikes” (term, at 3), “Jurf al-Sakhar” (place, at 37), “aircraft struck” (term, at 117), “Baghdad” (place, at 208)
','**US strikes Kataib Hezbollah sites in Jurf al-Sakhar**
Wire News

**Where:** Jurf al-Sakhar (Babil, IQ); Baghdad (Baghdad, IQ)
**What:** air or drone strike
**By:** United States
**Target:** Kataib Hezbollah sites
**Casualties:** 3 killed
**Date of strike:** Thursday

**Evidence:**
> “US strikes Kataib Hezbollah sites in Jurf al-Sakhar”
> “US military aircraft struck weapons depots of the Kataib Hezbollah militia in Jurf al-Sakhar, south of Baghdad, on Thursday night, two US officials said.”

[Read the report](<{FEEDS}/article/kh-strikes.html?utm_source=rss>)

Rule `strike-iraq-syria` · score 0.99 · event 2
_Why:_ matched “US” (actor, at 0), “strikes” (term, at 3), “Jurf al-Sakhar” (place, at 37), “aircraft struck” (term, at 117), “Baghdad” (place, at 208)
','<h3>US strikes Kataib Hezbollah sites in Jurf al-Sakhar</h3>
<p>Wire News</p>
<ul><li><strong>Where:</strong> Jurf al-Sakhar (Babil, IQ); Baghdad (Baghdad, IQ)</li><li><strong>What:</strong> air or drone strike</li><li><strong>By:</strong> United States</li><li><strong>Target:</strong> Kataib Hezbollah sites</li><li><strong>Casualties:</strong> 3 killed</li><li><strong>Date of strike:</strong> Thursday</li></ul>
<p><strong>Evidence:</strong></p><blockquote>“US strikes Kataib Hezbollah sites in Jurf al-Sakhar”</blockquote><blockquote>“US military aircraft struck weapons depots of the Kataib Hezbollah militia in Jurf al-Sakhar, south of Baghdad, on Thursday night, two US officials said.”</blockquote>
<p><a href="{FEEDS}/article/kh-strikes.html?utm_source=rss">Read the report</a></p>
<p><small>Rule strike-iraq-syria · score 0.99 · event 2</small></p>
<p><small>Why: matched “US” (actor, at 0), “strikes” (term, at 3), “Jurf al-Sakhar” (place, at 37), “aircraft struck” (term, at 117), “Baghdad” (place, at 208)</small></p>
','2026-12-07 03:28:44.056666');
CREATE TABLE detections (
	id INTEGER NOT NULL, 
	item_id INTEGER NOT NULL, 
	event_id INTEGER, 
	rule_id TEXT NOT NULL, 
	score FLOAT NOT NULL, 
	decision VARCHAR(16) NOT NULL, 
	fields TEXT NOT NULL, 
	evidence TEXT NOT NULL, 
	created DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(item_id) REFERENCES items (id), 
	FOREIGN KEY(event_id) REFERENCES events (id)
);
INSERT INTO "detections" VALUES(1,3,1,'strike-iraq-syria',0.996,'new','{"strike_type": "air_drone", "actor": "Russia", "target": "villages", "places": ["Idlib countryside", "Idlib"], "countries": ["SY"], "killed": [5, null], "wounded": null, "event_date": null}','["Russian warplanes pound villages in Idlib countryside", "Russian warplanes pound villages in Idlib countryside", "Russian warplanes carried out a series of air strikes on villages south of Idlib city on Friday, killing at least five civilians, rescue workers said."]','2026-12-07 03:28:44.046136');
INSERT INTO "detections" VALUES(2,4,2,'strike-iraq-syria',0.9936,'new','{"strike_type": "air_drone", "actor": "United States", "target": "Kataib Hezbollah sites", "places": ["Jurf al-Sakhar", "Baghdad"], "countries": ["IQ"], "killed": 3, "wounded": null, "event_date": null}','["US strikes Kataib Hezbollah sites in Jurf al-Sakhar", "US strikes Kataib Hezbollah sites in Jurf al-Sakhar", "US military aircraft struck weapons depots of the Kataib Hezbollah militia in Jurf al-Sakhar, south of Baghdad, on Thursday night, two US officials said.", "US military aircraft struck weapons depots of the Kataib Hezbollah militia in Jurf al-Sakhar, south of Baghdad, on Thursday night, two US officials said."]','2026-12-07 03:28:44.055911');
CREATE TABLE events (
	id INTEGER NOT NULL, 
	opened DATETIME NOT NULL, 
	last_report DATETIME NOT NULL, 
	updated DATETIME NOT NULL, 
	reports INTEGER NOT NULL, 
	summary TEXT NOT NULL, 
	state TEXT NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "events" VALUES(1,'2026-12-07 03:28:43.996947','2026-12-07 03:28:43.996947','2026-12-07 03:28:44.045240',1,'air_drone by Russia at Idlib; killed at least 5; 1 reports from 1 outlets','{"id": 0, "opened": "2026-12-07T03:28:43.996947+00:00", "last_report": "2026-12-07T03:28:43.996947+00:00", "strike_types": ["air_drone"], "actors": ["Russia"], "targets": [], "places": [{"id": "SY.12", "name": "Idlib countryside", "country": "SY", "governorate": "SY.12", "level": "governorate", "lat": 35.8, "lon": 36.6}, {"id": "gn:169389", "name": "Idlib", "country": "SY", "governorate": "Idlib", "level": "city", "lat": 35.93062, "lon": 36.63393}], "countries": ["SY"], "event_dates": [], "outlets": ["Regional News"], "item_keys": ["2/guid:{FEEDS}/regional-idlib-raids"], "aliases": ["alias:5bc3e33e8e17bf941ed6ab35013d91d215b1cc0f5df8a979e240d977a3c09de2"], "fingerprints": [["Regional News", "air carried city civilian countryside five friday idlib killing out pound rescue russian serie south strike village warplane worker"]], "killed": [5, null], "wounded": null, "denied": false, "reports": 1}');
INSERT INTO "events" VALUES(2,'2026-12-07 03:28:44.042718','2026-12-07 03:28:44.042718','2026-12-07 03:28:44.055044',1,'air_drone by United States on Kataib Hezbollah sites at Jurf al-Sakhar, Baghdad; killed 3; 1 reports from 1 outlets','{"id": 0, "opened": "2026-12-07T03:28:44.042718+00:00", "last_report": "2026-12-07T03:28:44.042718+00:00", "strike_types": ["air_drone"], "actors": ["United States"], "targets": ["Kataib Hezbollah sites"], "places": [{"id": "iq:jurf-al-sakhar", "name": "Jurf al-Sakhar", "country": "IQ", "governorate": "Babil", "level": "place", "lat": 32.9, "lon": 44.12}, {"id": "gn:98182", "name": "Baghdad", "country": "IQ", "governorate": "Baghdad", "level": "city", "lat": 33.34058, "lon": 44.40088}], "countries": ["IQ"], "event_dates": [], "outlets": ["Wire News"], "item_keys": ["1/guid:{FEEDS}/wire-kh-strikes"], "aliases": ["alias:a69749b0c60bb73e27726be9fc30283937ac2cc603b39166e5dd897a8a50a69c"], "fingerprints": [["Wire News", "aircraft al-sakhar baghdad depot fighter hezbollah iraqi jurf kataib killed military militia night official security site source south strike struck three thursday two weapon"]], "killed": 3, "wounded": null, "denied": false, "reports": 1}');
CREATE TABLE feeds (
	id INTEGER NOT NULL, 
	url TEXT NOT NULL, 
	current_url TEXT NOT NULL, 
	title TEXT, 
	etag TEXT, 
	last_modified TEXT, 
	retired TEXT, 
	polls INTEGER NOT NULL, 
	failures INTEGER NOT NULL, 
	last_error TEXT, 
	last_polled DATETIME, 
	last_success DATETIME, 
	last_new_item DATETIME, 
	last_content DATETIME, 
	not_before DATETIME, 
	health VARCHAR(16) NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (url)
);
INSERT INTO "feeds" VALUES(1,'{FEEDS}/wire.xml','{FEEDS}/wire.xml','Wire News','"wire-6"',NULL,NULL,2,0,NULL,'2026-12-07 03:28:44.064172','2026-12-07 03:28:44.064172','2026-12-07 03:28:44.064172','2026-12-07 03:28:44.064172',NULL,'ok');
INSERT INTO "feeds" VALUES(2,'{FEEDS}/regional.xml','{FEEDS}/regional.xml','Regional News','"regional-6"',NULL,NULL,2,0,NULL,'2026-12-07 03:28:44.278203','2026-12-07 03:28:44.278203','2026-12-07 03:28:44.278203','2026-12-07 03:28:44.278203',NULL,'ok');
CREATE TABLE items (
	id INTEGER NOT NULL, 
	feed_id INTEGER NOT NULL, 
	"key" TEXT NOT NULL, 
	alias TEXT NOT NULL, 
	link TEXT, 
	title TEXT NOT NULL, 
	published DATETIME, 
	first_seen DATETIME NOT NULL, 
	last_seen DATETIME NOT NULL, 
	outcome VARCHAR(16) NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (feed_id, "key"), 
	FOREIGN KEY(feed_id) REFERENCES feeds (id)
);
INSERT INTO "items" VALUES(1,1,'guid:{FEEDS}/wire-budget','alias:b8fb5fc233460f756d334f0ad78e32a91c8adf1220761d18a6484c9058ab1495','{FEEDS}/article/budget.html?utm_source=rss','Iraqi parliament passes delayed budget',NULL,'2026-12-07 03:28:43.487158','2026-12-07 03:28:44.065774','baseline');
INSERT INTO "items" VALUES(2,2,'guid:{FEEDS}/regional-old-raid','alias:b5443c53f96cd9e8f73053a1dfca1b23a4b0e7cd26cfcca730ef136747f85701','{FEEDS}/article/old-raid.html?utm_source=rss','Air strike hits depot near Albu Kamal, monitor says',NULL,'2026-12-07 03:28:43.491730','2026-12-07 03:28:44.278735','baseline');
INSERT INTO "items" VALUES(3,2,'guid:{FEEDS}/regional-idlib-raids','alias:5bc3e33e8e17bf941ed6ab35013d91d215b1cc0f5df8a979e240d977a3c09de2','{FEEDS}/article/idlib-raids.html?utm_source=rss','Russian warplanes pound villages in Idlib countryside',NULL,'2026-12-07 03:28:44.043659','2026-12-07 03:28:44.278735','detected');
INSERT INTO "items" VALUES(4,1,'guid:{FEEDS}/wire-kh-strikes','alias:a69749b0c60bb73e27726be9fc30283937ac2cc603b39166e5dd897a8a50a69c','{FEEDS}/article/kh-strikes.html?utm_source=rss','US strikes Kataib Hezbollah sites in Jurf al-Sakhar',NULL,'2026-12-07 03:28:44.054498','2026-12-07 03:28:44.065774','detected');
INSERT INTO "items" VALUES(5,1,'guid:{FEEDS}/wire-walkout','alias:e093d58db96b2df636915fb78501433ffdd9c8e1b2620e72bc365ae89621453b','{FEEDS}/article/walkout.html?utm_source=rss','Basra port workers strike over pay',NULL,'2026-12-07 03:28:44.063591','2026-12-07 03:28:44.065774','seen');
INSERT INTO "items" VALUES(6,2,'guid:{FEEDS}/regional-derby','alias:fa5587013c152b6425159f2cee58eb36f4c240b1340c74f0a4b2872172dac460','{FEEDS}/article/derby.html?utm_source=rss','Striker''s late goal wins Damascus derby',NULL,'2026-12-07 03:28:44.277310','2026-12-07 03:28:44.278735','seen');
CREATE TABLE meta (
	"key" VARCHAR(64) NOT NULL, 
	value TEXT NOT NULL, 
	PRIMARY KEY ("key")
);
INSERT INTO "meta" VALUES('schema_version','1');
CREATE TABLE outbox (
	id INTEGER NOT NULL, 
	alert_id INTEGER NOT NULL, 
	target TEXT NOT NULL, 
	url_index INTEGER NOT NULL, 
	url_digest VARCHAR(16) NOT NULL, 
	format VARCHAR(16) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	attempts INTEGER NOT NULL, 
	ambiguous INTEGER NOT NULL, 
	next_attempt DATETIME NOT NULL, 
	last_error TEXT, 
	sent DATETIME, 
	created DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (alert_id, target, url_index), 
	FOREIGN KEY(alert_id) REFERENCES alerts (id)
);
INSERT INTO "outbox" VALUES(1,1,'slack',0,'e655e50aa7fc4070','markdown','pending',1,0,'2026-12-07 03:28:44.547191','Slack: HTTP 500',NULL,'2026-12-07 03:28:44.047601');
INSERT INTO "outbox" VALUES(2,1,'email',0,'a4e93fa5243a8724','html','sent',1,0,'2026-12-07 03:30:14.527327',NULL,'2026-12-07 03:28:44.595283','2026-12-07 03:28:44.047601');
INSERT INTO "outbox" VALUES(3,2,'slack',0,'e655e50aa7fc4070','markdown','pending',0,0,'2026-12-07 03:28:44.056666',NULL,NULL,'2026-12-07 03:28:44.056666');
INSERT INTO "outbox" VALUES(4,2,'email',0,'a4e93fa5243a8724','html','sent',1,0,'2026-12-07 03:30:14.598717',NULL,'2026-12-07 03:28:44.649620','2026-12-07 03:28:44.056666');
CREATE TABLE silences (
	id INTEGER NOT NULL, 
	rule TEXT, 
	place TEXT, 
	actor TEXT, 
	target TEXT, 
	comment TEXT NOT NULL, 
	created DATETIME NOT NULL, 
	expires DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
CREATE INDEX items_alias ON items (feed_id, alias);
CREATE INDEX alerts_event ON alerts (event_id);
CREATE INDEX detections_event ON detections (event_id);
CREATE INDEX outbox_due ON outbox (status, next_attempt);
COMMIT;
