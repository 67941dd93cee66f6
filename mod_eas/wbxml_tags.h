/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MS-ASWBXML code pages 0..25: every tag and token up to protocol 16.1.
 *
 * X-macro table, included with EAS_PAGE and EAS_TAG defined by the user:
 *   EAS_PAGE(number, identifier, "XML namespace")
 *   EAS_TAG(page identifier, token, tag name, EAS_TF_* flags)
 * No include guard: it is meant to be expanded several times.
 *
 * Each token carries exactly one name.  Tags kept for old protocol versions
 * are marked, so that old clients still decode; the encoder never needs them.
 * Version notes: "2.5 only", "14.0+" (that version and later), "2.5-14.1".
 */

/* Code page 0: AirSync (Sync command) */
EAS_PAGE(0, AirSync, "AirSync")
EAS_TAG(AirSync, 0x05, Sync, 0)
EAS_TAG(AirSync, 0x06, Responses, 0)
EAS_TAG(AirSync, 0x07, Add, 0)
EAS_TAG(AirSync, 0x08, Change, 0)
EAS_TAG(AirSync, 0x09, Delete, 0)
EAS_TAG(AirSync, 0x0A, Fetch, 0)
EAS_TAG(AirSync, 0x0B, SyncKey, 0)
EAS_TAG(AirSync, 0x0C, ClientId, 0)
EAS_TAG(AirSync, 0x0D, ServerId, 0)
EAS_TAG(AirSync, 0x0E, Status, 0)
EAS_TAG(AirSync, 0x0F, Collection, 0)
EAS_TAG(AirSync, 0x10, Class, 0)
EAS_TAG(AirSync, 0x12, CollectionId, 0)
EAS_TAG(AirSync, 0x13, GetChanges, 0)
EAS_TAG(AirSync, 0x14, MoreAvailable, 0)
EAS_TAG(AirSync, 0x15, WindowSize, 0)
EAS_TAG(AirSync, 0x16, Commands, 0)
EAS_TAG(AirSync, 0x17, Options, 0)
EAS_TAG(AirSync, 0x18, FilterType, 0)
EAS_TAG(AirSync, 0x19, Truncation, 0)                   /* 2.5 only */
EAS_TAG(AirSync, 0x1B, Conflict, 0)
EAS_TAG(AirSync, 0x1C, Collections, 0)
EAS_TAG(AirSync, 0x1D, ApplicationData, 0)
EAS_TAG(AirSync, 0x1E, DeletesAsMoves, 0)
EAS_TAG(AirSync, 0x20, Supported, 0)
EAS_TAG(AirSync, 0x21, SoftDelete, 0)
EAS_TAG(AirSync, 0x22, MIMESupport, 0)
EAS_TAG(AirSync, 0x23, MIMETruncation, 0)
EAS_TAG(AirSync, 0x24, Wait, 0)                         /* 12.1+ */
EAS_TAG(AirSync, 0x25, Limit, 0)                        /* 12.1+ */
EAS_TAG(AirSync, 0x26, Partial, 0)                      /* 12.1+ */
EAS_TAG(AirSync, 0x27, ConversationMode, 0)             /* 14.0+ */
EAS_TAG(AirSync, 0x28, MaxItems, 0)                     /* 14.0+ */
EAS_TAG(AirSync, 0x29, HeartbeatInterval, 0)            /* 14.0+ */

/* Code page 1: Contacts (MS-ASCNTC contact properties) */
EAS_PAGE(1, Contacts, "Contacts")
EAS_TAG(Contacts, 0x05, Anniversary, 0)
EAS_TAG(Contacts, 0x06, AssistantName, 0)
EAS_TAG(Contacts, 0x07, AssistantPhoneNumber, 0)
EAS_TAG(Contacts, 0x08, Birthday, 0)
EAS_TAG(Contacts, 0x09, Body, EAS_TF_BODY)              /* 2.5 only */
EAS_TAG(Contacts, 0x0A, BodySize, 0)                    /* 2.5 only */
EAS_TAG(Contacts, 0x0B, BodyTruncated, 0)               /* 2.5 only */
EAS_TAG(Contacts, 0x0C, Business2PhoneNumber, 0)
EAS_TAG(Contacts, 0x0D, BusinessAddressCity, 0)
EAS_TAG(Contacts, 0x0E, BusinessAddressCountry, 0)
EAS_TAG(Contacts, 0x0F, BusinessAddressPostalCode, 0)
EAS_TAG(Contacts, 0x10, BusinessAddressState, 0)
EAS_TAG(Contacts, 0x11, BusinessAddressStreet, 0)
EAS_TAG(Contacts, 0x12, BusinessFaxNumber, 0)
EAS_TAG(Contacts, 0x13, BusinessPhoneNumber, 0)
EAS_TAG(Contacts, 0x14, CarPhoneNumber, 0)
EAS_TAG(Contacts, 0x15, Categories, 0)
EAS_TAG(Contacts, 0x16, Category, 0)
EAS_TAG(Contacts, 0x17, Children, 0)
EAS_TAG(Contacts, 0x18, Child, 0)
EAS_TAG(Contacts, 0x19, CompanyName, 0)
EAS_TAG(Contacts, 0x1A, Department, 0)
EAS_TAG(Contacts, 0x1B, Email1Address, 0)
EAS_TAG(Contacts, 0x1C, Email2Address, 0)
EAS_TAG(Contacts, 0x1D, Email3Address, 0)
EAS_TAG(Contacts, 0x1E, FileAs, 0)
EAS_TAG(Contacts, 0x1F, FirstName, 0)
EAS_TAG(Contacts, 0x20, Home2PhoneNumber, 0)
EAS_TAG(Contacts, 0x21, HomeAddressCity, 0)
EAS_TAG(Contacts, 0x22, HomeAddressCountry, 0)
EAS_TAG(Contacts, 0x23, HomeAddressPostalCode, 0)
EAS_TAG(Contacts, 0x24, HomeAddressState, 0)
EAS_TAG(Contacts, 0x25, HomeAddressStreet, 0)
EAS_TAG(Contacts, 0x26, HomeFaxNumber, 0)
EAS_TAG(Contacts, 0x27, HomePhoneNumber, 0)
EAS_TAG(Contacts, 0x28, JobTitle, 0)
EAS_TAG(Contacts, 0x29, LastName, 0)
EAS_TAG(Contacts, 0x2A, MiddleName, 0)
EAS_TAG(Contacts, 0x2B, MobilePhoneNumber, 0)
EAS_TAG(Contacts, 0x2C, OfficeLocation, 0)
EAS_TAG(Contacts, 0x2D, OtherAddressCity, 0)
EAS_TAG(Contacts, 0x2E, OtherAddressCountry, 0)
EAS_TAG(Contacts, 0x2F, OtherAddressPostalCode, 0)
EAS_TAG(Contacts, 0x30, OtherAddressState, 0)
EAS_TAG(Contacts, 0x31, OtherAddressStreet, 0)
EAS_TAG(Contacts, 0x32, PagerNumber, 0)
EAS_TAG(Contacts, 0x33, RadioPhoneNumber, 0)
EAS_TAG(Contacts, 0x34, Spouse, 0)
EAS_TAG(Contacts, 0x35, Suffix, 0)
EAS_TAG(Contacts, 0x36, Title, 0)
EAS_TAG(Contacts, 0x37, WebPage, 0)
EAS_TAG(Contacts, 0x38, YomiCompanyName, 0)
EAS_TAG(Contacts, 0x39, YomiFirstName, 0)
EAS_TAG(Contacts, 0x3A, YomiLastName, 0)
EAS_TAG(Contacts, 0x3C, Picture, EAS_TF_BODY)
EAS_TAG(Contacts, 0x3D, Alias, 0)                       /* 14.0+ */
EAS_TAG(Contacts, 0x3E, WeightedRank, 0)                /* 14.0+ */

/* Code page 2: Email (MS-ASEMAIL message properties) */
EAS_PAGE(2, Email, "Email")
EAS_TAG(Email, 0x05, Attachment, 0)                     /* 2.5 only */
EAS_TAG(Email, 0x06, Attachments, 0)                    /* 2.5 only */
EAS_TAG(Email, 0x07, AttName, 0)                        /* 2.5 only */
EAS_TAG(Email, 0x08, AttSize, 0)                        /* 2.5 only */
EAS_TAG(Email, 0x09, AttOid, 0)                         /* 2.5 only */
EAS_TAG(Email, 0x0A, AttMethod, 0)                      /* 2.5 only */
EAS_TAG(Email, 0x0C, Body, EAS_TF_BODY)                 /* 2.5 only */
EAS_TAG(Email, 0x0D, BodySize, 0)                       /* 2.5 only */
EAS_TAG(Email, 0x0E, BodyTruncated, 0)                  /* 2.5 only */
EAS_TAG(Email, 0x0F, DateReceived, 0)
EAS_TAG(Email, 0x10, DisplayName, 0)                    /* 2.5 only */
EAS_TAG(Email, 0x11, DisplayTo, 0)
EAS_TAG(Email, 0x12, Importance, 0)
EAS_TAG(Email, 0x13, MessageClass, 0)
EAS_TAG(Email, 0x14, Subject, 0)
EAS_TAG(Email, 0x15, Read, 0)
EAS_TAG(Email, 0x16, To, 0)
EAS_TAG(Email, 0x17, Cc, 0)
EAS_TAG(Email, 0x18, From, 0)
EAS_TAG(Email, 0x19, ReplyTo, 0)
EAS_TAG(Email, 0x1A, AllDayEvent, 0)
EAS_TAG(Email, 0x1B, Categories, 0)                     /* 14.0+ */
EAS_TAG(Email, 0x1C, Category, 0)                       /* 14.0+ */
EAS_TAG(Email, 0x1D, DtStamp, 0)
EAS_TAG(Email, 0x1E, EndTime, 0)
EAS_TAG(Email, 0x1F, InstanceType, 0)
EAS_TAG(Email, 0x20, BusyStatus, 0)
EAS_TAG(Email, 0x21, Location, 0)                       /* 2.5-14.1 */
EAS_TAG(Email, 0x22, MeetingRequest, 0)
EAS_TAG(Email, 0x23, Organizer, 0)
EAS_TAG(Email, 0x24, RecurrenceId, 0)
EAS_TAG(Email, 0x25, Reminder, 0)
EAS_TAG(Email, 0x26, ResponseRequested, 0)
EAS_TAG(Email, 0x27, Recurrences, 0)
EAS_TAG(Email, 0x28, Recurrence, 0)
EAS_TAG(Email, 0x29, Type, 0)
EAS_TAG(Email, 0x2A, Until, 0)
EAS_TAG(Email, 0x2B, Occurrences, 0)
EAS_TAG(Email, 0x2C, Interval, 0)
EAS_TAG(Email, 0x2D, DayOfWeek, 0)
EAS_TAG(Email, 0x2E, DayOfMonth, 0)
EAS_TAG(Email, 0x2F, WeekOfMonth, 0)
EAS_TAG(Email, 0x30, MonthOfYear, 0)
EAS_TAG(Email, 0x31, StartTime, 0)
EAS_TAG(Email, 0x32, Sensitivity, 0)
EAS_TAG(Email, 0x33, TimeZone, 0)
EAS_TAG(Email, 0x34, GlobalObjId, 0)                    /* 2.5-14.1 */
EAS_TAG(Email, 0x35, ThreadTopic, 0)
EAS_TAG(Email, 0x36, MIMEData, EAS_TF_BODY)             /* 2.5 only */
EAS_TAG(Email, 0x37, MIMETruncated, 0)                  /* 2.5 only */
EAS_TAG(Email, 0x38, MIMESize, 0)                       /* 2.5 only */
EAS_TAG(Email, 0x39, InternetCPID, 0)
EAS_TAG(Email, 0x3A, Flag, 0)                           /* 12.0+ */
EAS_TAG(Email, 0x3B, Status, 0)                         /* 12.0+, flag status */
EAS_TAG(Email, 0x3C, ContentClass, 0)                   /* 12.0+ */
EAS_TAG(Email, 0x3D, FlagType, 0)                       /* 12.0+ */
EAS_TAG(Email, 0x3E, CompleteTime, 0)                   /* 12.0+ */
EAS_TAG(Email, 0x3F, DisallowNewTimeProposal, 0)        /* 14.0+ */

/* Code page 3: AirNotify (reserved by MS-ASWBXML, no tags in use) */
EAS_PAGE(3, AirNotify, "AirNotify")

/* Code page 4: Calendar (MS-ASCAL appointment properties) */
EAS_PAGE(4, Calendar, "Calendar")
EAS_TAG(Calendar, 0x05, Timezone, 0)
EAS_TAG(Calendar, 0x06, AllDayEvent, 0)
EAS_TAG(Calendar, 0x07, Attendees, 0)
EAS_TAG(Calendar, 0x08, Attendee, 0)
EAS_TAG(Calendar, 0x09, Email, 0)
EAS_TAG(Calendar, 0x0A, Name, 0)
EAS_TAG(Calendar, 0x0B, Body, EAS_TF_BODY)              /* 2.5 only */
EAS_TAG(Calendar, 0x0C, BodyTruncated, 0)               /* 2.5 only */
EAS_TAG(Calendar, 0x0D, BusyStatus, 0)
EAS_TAG(Calendar, 0x0E, Categories, 0)
EAS_TAG(Calendar, 0x0F, Category, 0)
EAS_TAG(Calendar, 0x11, DtStamp, 0)
EAS_TAG(Calendar, 0x12, EndTime, 0)
EAS_TAG(Calendar, 0x13, Exception, 0)
EAS_TAG(Calendar, 0x14, Exceptions, 0)
EAS_TAG(Calendar, 0x15, Deleted, 0)
EAS_TAG(Calendar, 0x16, ExceptionStartTime, 0)          /* 2.5-14.1 */
EAS_TAG(Calendar, 0x17, Location, 0)                    /* 2.5-14.1 */
EAS_TAG(Calendar, 0x18, MeetingStatus, 0)
EAS_TAG(Calendar, 0x19, OrganizerEmail, 0)
EAS_TAG(Calendar, 0x1A, OrganizerName, 0)
EAS_TAG(Calendar, 0x1B, Recurrence, 0)
EAS_TAG(Calendar, 0x1C, Type, 0)
EAS_TAG(Calendar, 0x1D, Until, 0)
EAS_TAG(Calendar, 0x1E, Occurrences, 0)
EAS_TAG(Calendar, 0x1F, Interval, 0)
EAS_TAG(Calendar, 0x20, DayOfWeek, 0)
EAS_TAG(Calendar, 0x21, DayOfMonth, 0)
EAS_TAG(Calendar, 0x22, WeekOfMonth, 0)
EAS_TAG(Calendar, 0x23, MonthOfYear, 0)
EAS_TAG(Calendar, 0x24, Reminder, 0)
EAS_TAG(Calendar, 0x25, Sensitivity, 0)
EAS_TAG(Calendar, 0x26, Subject, 0)
EAS_TAG(Calendar, 0x27, StartTime, 0)
EAS_TAG(Calendar, 0x28, UID, 0)
EAS_TAG(Calendar, 0x29, AttendeeStatus, 0)              /* 12.0+ */
EAS_TAG(Calendar, 0x2A, AttendeeType, 0)                /* 12.0+ */
EAS_TAG(Calendar, 0x33, DisallowNewTimeProposal, 0)     /* 14.0+ */
EAS_TAG(Calendar, 0x34, ResponseRequested, 0)           /* 14.0+ */
EAS_TAG(Calendar, 0x35, AppointmentReplyTime, 0)        /* 14.0+ */
EAS_TAG(Calendar, 0x36, ResponseType, 0)                /* 14.0+ */
EAS_TAG(Calendar, 0x37, CalendarType, 0)                /* 14.0+ */
EAS_TAG(Calendar, 0x38, IsLeapMonth, 0)                 /* 14.0+ */
EAS_TAG(Calendar, 0x39, FirstDayOfWeek, 0)              /* 14.1+ */
EAS_TAG(Calendar, 0x3A, OnlineMeetingConfLink, 0)       /* 14.1+ */
EAS_TAG(Calendar, 0x3B, OnlineMeetingExternalLink, 0)   /* 14.1+ */
EAS_TAG(Calendar, 0x3C, ClientUid, 0)                   /* 16.0+ */

/* Code page 5: Move (MoveItems command) */
EAS_PAGE(5, Move, "Move")
EAS_TAG(Move, 0x05, MoveItems, 0)
EAS_TAG(Move, 0x06, Move, 0)
EAS_TAG(Move, 0x07, SrcMsgId, 0)
EAS_TAG(Move, 0x08, SrcFldId, 0)
EAS_TAG(Move, 0x09, DstFldId, 0)
EAS_TAG(Move, 0x0A, Response, 0)
EAS_TAG(Move, 0x0B, Status, 0)
EAS_TAG(Move, 0x0C, DstMsgId, 0)

/* Code page 6: GetItemEstimate (GetItemEstimate command) */
EAS_PAGE(6, GetItemEstimate, "GetItemEstimate")
EAS_TAG(GetItemEstimate, 0x05, GetItemEstimate, 0)
EAS_TAG(GetItemEstimate, 0x06, Version, 0)              /* legacy, unused */
EAS_TAG(GetItemEstimate, 0x07, Collections, 0)
EAS_TAG(GetItemEstimate, 0x08, Collection, 0)
EAS_TAG(GetItemEstimate, 0x09, Class, 0)                /* 2.5-12.1 */
EAS_TAG(GetItemEstimate, 0x0A, CollectionId, 0)
EAS_TAG(GetItemEstimate, 0x0B, DateTime, 0)             /* legacy, unused */
EAS_TAG(GetItemEstimate, 0x0C, Estimate, 0)
EAS_TAG(GetItemEstimate, 0x0D, Response, 0)
EAS_TAG(GetItemEstimate, 0x0E, Status, 0)

/* Code page 7: FolderHierarchy (FolderSync, FolderCreate/Delete/Update) */
EAS_PAGE(7, FolderHierarchy, "FolderHierarchy")
EAS_TAG(FolderHierarchy, 0x05, Folders, 0)              /* 2.5-12.1 */
EAS_TAG(FolderHierarchy, 0x06, Folder, 0)               /* 2.5-12.1 */
EAS_TAG(FolderHierarchy, 0x07, DisplayName, 0)
EAS_TAG(FolderHierarchy, 0x08, ServerId, 0)
EAS_TAG(FolderHierarchy, 0x09, ParentId, 0)
EAS_TAG(FolderHierarchy, 0x0A, Type, 0)
EAS_TAG(FolderHierarchy, 0x0C, Status, 0)
EAS_TAG(FolderHierarchy, 0x0E, Changes, 0)
EAS_TAG(FolderHierarchy, 0x0F, Add, 0)
EAS_TAG(FolderHierarchy, 0x10, Delete, 0)
EAS_TAG(FolderHierarchy, 0x11, Update, 0)
EAS_TAG(FolderHierarchy, 0x12, SyncKey, 0)
EAS_TAG(FolderHierarchy, 0x13, FolderCreate, 0)
EAS_TAG(FolderHierarchy, 0x14, FolderDelete, 0)
EAS_TAG(FolderHierarchy, 0x15, FolderUpdate, 0)
EAS_TAG(FolderHierarchy, 0x16, FolderSync, 0)
EAS_TAG(FolderHierarchy, 0x17, Count, 0)

/* Code page 8: MeetingResponse (MeetingResponse command) */
EAS_PAGE(8, MeetingResponse, "MeetingResponse")
EAS_TAG(MeetingResponse, 0x05, CalendarId, 0)
EAS_TAG(MeetingResponse, 0x06, CollectionId, 0)
EAS_TAG(MeetingResponse, 0x07, MeetingResponse, 0)
EAS_TAG(MeetingResponse, 0x08, RequestId, 0)
EAS_TAG(MeetingResponse, 0x09, Request, 0)
EAS_TAG(MeetingResponse, 0x0A, Result, 0)
EAS_TAG(MeetingResponse, 0x0B, Status, 0)
EAS_TAG(MeetingResponse, 0x0C, UserResponse, 0)
EAS_TAG(MeetingResponse, 0x0E, InstanceId, 0)           /* 14.1+ */
EAS_TAG(MeetingResponse, 0x10, ProposedStartTime, 0)    /* 16.1 */
EAS_TAG(MeetingResponse, 0x11, ProposedEndTime, 0)      /* 16.1 */
EAS_TAG(MeetingResponse, 0x12, SendResponse, 0)         /* 16.0+ */

/* Code page 9: Tasks (MS-ASTASK task properties) */
EAS_PAGE(9, Tasks, "Tasks")
EAS_TAG(Tasks, 0x05, Body, EAS_TF_BODY)                 /* 2.5 only */
EAS_TAG(Tasks, 0x06, BodySize, 0)                       /* 2.5 only */
EAS_TAG(Tasks, 0x07, BodyTruncated, 0)                  /* 2.5 only */
EAS_TAG(Tasks, 0x08, Categories, 0)
EAS_TAG(Tasks, 0x09, Category, 0)
EAS_TAG(Tasks, 0x0A, Complete, 0)
EAS_TAG(Tasks, 0x0B, DateCompleted, 0)
EAS_TAG(Tasks, 0x0C, DueDate, 0)
EAS_TAG(Tasks, 0x0D, UtcDueDate, 0)
EAS_TAG(Tasks, 0x0E, Importance, 0)
EAS_TAG(Tasks, 0x0F, Recurrence, 0)
EAS_TAG(Tasks, 0x10, Type, 0)
EAS_TAG(Tasks, 0x11, Start, 0)
EAS_TAG(Tasks, 0x12, Until, 0)
EAS_TAG(Tasks, 0x13, Occurrences, 0)
EAS_TAG(Tasks, 0x14, Interval, 0)
EAS_TAG(Tasks, 0x15, DayOfMonth, 0)
EAS_TAG(Tasks, 0x16, DayOfWeek, 0)
EAS_TAG(Tasks, 0x17, WeekOfMonth, 0)
EAS_TAG(Tasks, 0x18, MonthOfYear, 0)
EAS_TAG(Tasks, 0x19, Regenerate, 0)
EAS_TAG(Tasks, 0x1A, DeadOccur, 0)
EAS_TAG(Tasks, 0x1B, ReminderSet, 0)
EAS_TAG(Tasks, 0x1C, ReminderTime, 0)
EAS_TAG(Tasks, 0x1D, Sensitivity, 0)
EAS_TAG(Tasks, 0x1E, StartDate, 0)
EAS_TAG(Tasks, 0x1F, UtcStartDate, 0)
EAS_TAG(Tasks, 0x20, Subject, 0)
EAS_TAG(Tasks, 0x22, OrdinalDate, 0)                    /* 12.0+ */
EAS_TAG(Tasks, 0x23, SubOrdinalDate, 0)                 /* 12.0+ */
EAS_TAG(Tasks, 0x24, CalendarType, 0)                   /* 14.0+ */
EAS_TAG(Tasks, 0x25, IsLeapMonth, 0)                    /* 14.0+ */
EAS_TAG(Tasks, 0x26, FirstDayOfWeek, 0)                 /* 14.1+ */

/* Code page 10: ResolveRecipients (ResolveRecipients command) */
EAS_PAGE(10, ResolveRecipients, "ResolveRecipients")
EAS_TAG(ResolveRecipients, 0x05, ResolveRecipients, 0)
EAS_TAG(ResolveRecipients, 0x06, Response, 0)
EAS_TAG(ResolveRecipients, 0x07, Status, 0)
EAS_TAG(ResolveRecipients, 0x08, Type, 0)
EAS_TAG(ResolveRecipients, 0x09, Recipient, 0)
EAS_TAG(ResolveRecipients, 0x0A, DisplayName, 0)
EAS_TAG(ResolveRecipients, 0x0B, EmailAddress, 0)
EAS_TAG(ResolveRecipients, 0x0C, Certificates, 0)
EAS_TAG(ResolveRecipients, 0x0D, Certificate, 0)
EAS_TAG(ResolveRecipients, 0x0E, MiniCertificate, 0)
EAS_TAG(ResolveRecipients, 0x0F, Options, 0)
EAS_TAG(ResolveRecipients, 0x10, To, 0)
EAS_TAG(ResolveRecipients, 0x11, CertificateRetrieval, 0)
EAS_TAG(ResolveRecipients, 0x12, RecipientCount, 0)
EAS_TAG(ResolveRecipients, 0x13, MaxCertificates, 0)
EAS_TAG(ResolveRecipients, 0x14, MaxAmbiguousRecipients, 0)
EAS_TAG(ResolveRecipients, 0x15, CertificateCount, 0)
EAS_TAG(ResolveRecipients, 0x16, Availability, 0)       /* 14.0+ */
EAS_TAG(ResolveRecipients, 0x17, StartTime, 0)          /* 14.0+ */
EAS_TAG(ResolveRecipients, 0x18, EndTime, 0)            /* 14.0+ */
EAS_TAG(ResolveRecipients, 0x19, MergedFreeBusy, 0)     /* 14.0+ */
EAS_TAG(ResolveRecipients, 0x1A, Picture, 0)            /* 14.1+ */
EAS_TAG(ResolveRecipients, 0x1B, MaxSize, 0)            /* 14.1+ */
EAS_TAG(ResolveRecipients, 0x1C, Data, EAS_TF_BODY)     /* 14.1+, picture */
EAS_TAG(ResolveRecipients, 0x1D, MaxPictures, 0)        /* 14.1+ */

/* Code page 11: ValidateCert (ValidateCert command) */
EAS_PAGE(11, ValidateCert, "ValidateCert")
EAS_TAG(ValidateCert, 0x05, ValidateCert, 0)
EAS_TAG(ValidateCert, 0x06, Certificates, 0)
EAS_TAG(ValidateCert, 0x07, Certificate, 0)
EAS_TAG(ValidateCert, 0x08, CertificateChain, 0)
EAS_TAG(ValidateCert, 0x09, CheckCrl, 0)
EAS_TAG(ValidateCert, 0x0A, Status, 0)

/* Code page 12: Contacts2 (further contact properties) */
EAS_PAGE(12, Contacts2, "Contacts2")
EAS_TAG(Contacts2, 0x05, CustomerId, 0)
EAS_TAG(Contacts2, 0x06, GovernmentId, 0)
EAS_TAG(Contacts2, 0x07, IMAddress, 0)
EAS_TAG(Contacts2, 0x08, IMAddress2, 0)
EAS_TAG(Contacts2, 0x09, IMAddress3, 0)
EAS_TAG(Contacts2, 0x0A, ManagerName, 0)
EAS_TAG(Contacts2, 0x0B, CompanyMainPhone, 0)
EAS_TAG(Contacts2, 0x0C, AccountName, 0)
EAS_TAG(Contacts2, 0x0D, NickName, 0)
EAS_TAG(Contacts2, 0x0E, MMS, 0)

/* Code page 13: Ping (Ping command) */
EAS_PAGE(13, Ping, "Ping")
EAS_TAG(Ping, 0x05, Ping, 0)
EAS_TAG(Ping, 0x06, AutdState, 0)                       /* not used by the protocol */
EAS_TAG(Ping, 0x07, Status, 0)
EAS_TAG(Ping, 0x08, HeartbeatInterval, 0)
EAS_TAG(Ping, 0x09, Folders, 0)
EAS_TAG(Ping, 0x0A, Folder, 0)
EAS_TAG(Ping, 0x0B, Id, 0)
EAS_TAG(Ping, 0x0C, Class, 0)
EAS_TAG(Ping, 0x0D, MaxFolders, 0)

/* Code page 14: Provision (Provision command, MS-ASPROV policies) */
EAS_PAGE(14, Provision, "Provision")
EAS_TAG(Provision, 0x05, Provision, 0)
EAS_TAG(Provision, 0x06, Policies, 0)
EAS_TAG(Provision, 0x07, Policy, 0)
EAS_TAG(Provision, 0x08, PolicyType, 0)
EAS_TAG(Provision, 0x09, PolicyKey, 0)
EAS_TAG(Provision, 0x0A, Data, 0)
EAS_TAG(Provision, 0x0B, Status, 0)
EAS_TAG(Provision, 0x0C, RemoteWipe, 0)
EAS_TAG(Provision, 0x0D, EASProvisionDoc, 0)                    /* 12.0+ */
EAS_TAG(Provision, 0x0E, DevicePasswordEnabled, 0)              /* 12.0+ */
EAS_TAG(Provision, 0x0F, AlphanumericDevicePasswordRequired, 0) /* 12.0+ */
/* 12.0 named this token DeviceEncryptionEnabled; 12.1+ use this name. */
EAS_TAG(Provision, 0x10, RequireStorageCardEncryption, 0)       /* 12.1+ */
EAS_TAG(Provision, 0x11, PasswordRecoveryEnabled, 0)            /* 12.0+ */
EAS_TAG(Provision, 0x13, AttachmentsEnabled, 0)                 /* 12.0+ */
EAS_TAG(Provision, 0x14, MinDevicePasswordLength, 0)            /* 12.0+ */
EAS_TAG(Provision, 0x15, MaxInactivityTimeDeviceLock, 0)        /* 12.0+ */
EAS_TAG(Provision, 0x16, MaxDevicePasswordFailedAttempts, 0)    /* 12.0+ */
EAS_TAG(Provision, 0x17, MaxAttachmentSize, 0)                  /* 12.0+ */
EAS_TAG(Provision, 0x18, AllowSimpleDevicePassword, 0)          /* 12.0+ */
EAS_TAG(Provision, 0x19, DevicePasswordExpiration, 0)           /* 12.0+ */
EAS_TAG(Provision, 0x1A, DevicePasswordHistory, 0)              /* 12.0+ */
EAS_TAG(Provision, 0x1B, AllowStorageCard, 0)                   /* 12.1+ */
EAS_TAG(Provision, 0x1C, AllowCamera, 0)                        /* 12.1+ */
EAS_TAG(Provision, 0x1D, RequireDeviceEncryption, 0)            /* 12.1+ */
EAS_TAG(Provision, 0x1E, AllowUnsignedApplications, 0)          /* 12.1+ */
EAS_TAG(Provision, 0x1F, AllowUnsignedInstallationPackages, 0)  /* 12.1+ */
EAS_TAG(Provision, 0x20, MinDevicePasswordComplexCharacters, 0) /* 12.1+ */
EAS_TAG(Provision, 0x21, AllowWiFi, 0)                          /* 12.1+ */
EAS_TAG(Provision, 0x22, AllowTextMessaging, 0)                 /* 12.1+ */
EAS_TAG(Provision, 0x23, AllowPOPIMAPEmail, 0)                  /* 12.1+ */
EAS_TAG(Provision, 0x24, AllowBluetooth, 0)                     /* 12.1+ */
EAS_TAG(Provision, 0x25, AllowIrDA, 0)                          /* 12.1+ */
EAS_TAG(Provision, 0x26, RequireManualSyncWhenRoaming, 0)       /* 12.1+ */
EAS_TAG(Provision, 0x27, AllowDesktopSync, 0)                   /* 12.1+ */
EAS_TAG(Provision, 0x28, MaxCalendarAgeFilter, 0)               /* 12.1+ */
EAS_TAG(Provision, 0x29, AllowHTMLEmail, 0)                     /* 12.1+ */
EAS_TAG(Provision, 0x2A, MaxEmailAgeFilter, 0)                  /* 12.1+ */
EAS_TAG(Provision, 0x2B, MaxEmailBodyTruncationSize, 0)         /* 12.1+ */
EAS_TAG(Provision, 0x2C, MaxEmailHTMLBodyTruncationSize, 0)     /* 12.1+ */
EAS_TAG(Provision, 0x2D, RequireSignedSMIMEMessages, 0)         /* 12.1+ */
EAS_TAG(Provision, 0x2E, RequireEncryptedSMIMEMessages, 0)      /* 12.1+ */
EAS_TAG(Provision, 0x2F, RequireSignedSMIMEAlgorithm, 0)        /* 12.1+ */
EAS_TAG(Provision, 0x30, RequireEncryptionSMIMEAlgorithm, 0)    /* 12.1+ */
EAS_TAG(Provision, 0x31, AllowSMIMEEncryptionAlgorithmNegotiation, 0) /* 12.1+ */
EAS_TAG(Provision, 0x32, AllowSMIMESoftCerts, 0)                /* 12.1+ */
EAS_TAG(Provision, 0x33, AllowBrowser, 0)                       /* 12.1+ */
EAS_TAG(Provision, 0x34, AllowConsumerEmail, 0)                 /* 12.1+ */
EAS_TAG(Provision, 0x35, AllowRemoteDesktop, 0)                 /* 12.1+ */
EAS_TAG(Provision, 0x36, AllowInternetSharing, 0)               /* 12.1+ */
EAS_TAG(Provision, 0x37, UnapprovedInROMApplicationList, 0)     /* 12.1+ */
EAS_TAG(Provision, 0x38, ApplicationName, 0)                    /* 12.1+ */
EAS_TAG(Provision, 0x39, ApprovedApplicationList, 0)            /* 12.1+ */
EAS_TAG(Provision, 0x3A, Hash, 0)                               /* 12.1+ */
EAS_TAG(Provision, 0x3B, AccountOnlyRemoteWipe, 0)              /* 16.1 */

/* Code page 15: Search (Search command) */
EAS_PAGE(15, Search, "Search")
EAS_TAG(Search, 0x05, Search, 0)
EAS_TAG(Search, 0x07, Store, 0)
EAS_TAG(Search, 0x08, Name, 0)
EAS_TAG(Search, 0x09, Query, 0)
EAS_TAG(Search, 0x0A, Options, 0)
EAS_TAG(Search, 0x0B, Range, 0)
EAS_TAG(Search, 0x0C, Status, 0)
EAS_TAG(Search, 0x0D, Response, 0)
EAS_TAG(Search, 0x0E, Result, 0)
EAS_TAG(Search, 0x0F, Properties, 0)
EAS_TAG(Search, 0x10, Total, 0)
EAS_TAG(Search, 0x11, EqualTo, 0)                       /* 12.0+ */
EAS_TAG(Search, 0x12, Value, 0)                         /* 12.0+ */
EAS_TAG(Search, 0x13, And, 0)                           /* 12.0+ */
EAS_TAG(Search, 0x14, Or, 0)                            /* 12.0+ */
EAS_TAG(Search, 0x15, FreeText, 0)                      /* 12.0+ */
EAS_TAG(Search, 0x17, DeepTraversal, 0)                 /* 12.0+ */
EAS_TAG(Search, 0x18, LongId, 0)                        /* 12.0+ */
EAS_TAG(Search, 0x19, RebuildResults, 0)                /* 12.0+ */
EAS_TAG(Search, 0x1A, LessThan, 0)                      /* 12.0+ */
EAS_TAG(Search, 0x1B, GreaterThan, 0)                   /* 12.0+ */
EAS_TAG(Search, 0x1E, UserName, 0)                      /* 12.1+ */
EAS_TAG(Search, 0x1F, Password, EAS_TF_SECRET)          /* 12.1+ */
/* An email2:ConversationId echoed back: a byte array like its source. */
EAS_TAG(Search, 0x20, ConversationId, EAS_TF_OPAQUE)    /* 14.0+ */
EAS_TAG(Search, 0x21, Picture, 0)                       /* 14.1+ */
EAS_TAG(Search, 0x22, MaxSize, 0)                       /* 14.1+ */
EAS_TAG(Search, 0x23, MaxPictures, 0)                   /* 14.1+ */

/* Code page 16: GAL (global address list results of Search) */
EAS_PAGE(16, GAL, "GAL")
EAS_TAG(GAL, 0x05, DisplayName, 0)
EAS_TAG(GAL, 0x06, Phone, 0)
EAS_TAG(GAL, 0x07, Office, 0)
EAS_TAG(GAL, 0x08, Title, 0)
EAS_TAG(GAL, 0x09, Company, 0)
EAS_TAG(GAL, 0x0A, Alias, 0)
EAS_TAG(GAL, 0x0B, FirstName, 0)
EAS_TAG(GAL, 0x0C, LastName, 0)
EAS_TAG(GAL, 0x0D, HomePhone, 0)
EAS_TAG(GAL, 0x0E, MobilePhone, 0)
EAS_TAG(GAL, 0x0F, EmailAddress, 0)
EAS_TAG(GAL, 0x10, Picture, 0)                          /* 14.1+ */
EAS_TAG(GAL, 0x11, Status, 0)                           /* 14.1+ */
EAS_TAG(GAL, 0x12, Data, EAS_TF_BODY)                   /* 14.1+, picture */

/* Code page 17: AirSyncBase (MS-ASAIRS bodies and attachments), 12.0+ */
EAS_PAGE(17, AirSyncBase, "AirSyncBase")
EAS_TAG(AirSyncBase, 0x05, BodyPreference, 0)
EAS_TAG(AirSyncBase, 0x06, Type, 0)
EAS_TAG(AirSyncBase, 0x07, TruncationSize, 0)
EAS_TAG(AirSyncBase, 0x08, AllOrNone, 0)
EAS_TAG(AirSyncBase, 0x0A, Body, 0)
EAS_TAG(AirSyncBase, 0x0B, Data, EAS_TF_BODY)
EAS_TAG(AirSyncBase, 0x0C, EstimatedDataSize, 0)
EAS_TAG(AirSyncBase, 0x0D, Truncated, 0)
EAS_TAG(AirSyncBase, 0x0E, Attachments, 0)
EAS_TAG(AirSyncBase, 0x0F, Attachment, 0)
EAS_TAG(AirSyncBase, 0x10, DisplayName, 0)
EAS_TAG(AirSyncBase, 0x11, FileReference, 0)
EAS_TAG(AirSyncBase, 0x12, Method, 0)
EAS_TAG(AirSyncBase, 0x13, ContentId, 0)
EAS_TAG(AirSyncBase, 0x14, ContentLocation, 0)
EAS_TAG(AirSyncBase, 0x15, IsInline, 0)
EAS_TAG(AirSyncBase, 0x16, NativeBodyType, 0)
EAS_TAG(AirSyncBase, 0x17, ContentType, 0)
EAS_TAG(AirSyncBase, 0x18, Preview, EAS_TF_BODY)        /* 14.0+ */
EAS_TAG(AirSyncBase, 0x19, BodyPartPreference, 0)       /* 14.1+ */
EAS_TAG(AirSyncBase, 0x1A, BodyPart, 0)                 /* 14.1+ */
EAS_TAG(AirSyncBase, 0x1B, Status, 0)                   /* 14.1+ */
EAS_TAG(AirSyncBase, 0x1C, Add, 0)                      /* 16.0+ */
EAS_TAG(AirSyncBase, 0x1D, Delete, 0)                   /* 16.0+ */
EAS_TAG(AirSyncBase, 0x1E, ClientId, 0)                 /* 16.0+ */
EAS_TAG(AirSyncBase, 0x1F, Content, EAS_TF_BODY | EAS_TF_OPAQUE) /* 16.0+ */
EAS_TAG(AirSyncBase, 0x20, Location, 0)                 /* 16.0+ */
EAS_TAG(AirSyncBase, 0x21, Annotation, 0)               /* 16.0+ */
EAS_TAG(AirSyncBase, 0x22, Street, 0)                   /* 16.0+ */
EAS_TAG(AirSyncBase, 0x23, City, 0)                     /* 16.0+ */
EAS_TAG(AirSyncBase, 0x24, State, 0)                    /* 16.0+ */
EAS_TAG(AirSyncBase, 0x25, Country, 0)                  /* 16.0+ */
EAS_TAG(AirSyncBase, 0x26, PostalCode, 0)               /* 16.0+ */
EAS_TAG(AirSyncBase, 0x27, Latitude, 0)                 /* 16.0+ */
EAS_TAG(AirSyncBase, 0x28, Longitude, 0)                /* 16.0+ */
EAS_TAG(AirSyncBase, 0x29, Accuracy, 0)                 /* 16.0+ */
EAS_TAG(AirSyncBase, 0x2A, Altitude, 0)                 /* 16.0+ */
EAS_TAG(AirSyncBase, 0x2B, AltitudeAccuracy, 0)         /* 16.0+ */
EAS_TAG(AirSyncBase, 0x2C, LocationUri, 0)              /* 16.0+ */
EAS_TAG(AirSyncBase, 0x2D, InstanceId, 0)               /* 16.0+ */

/* Code page 18: Settings (Settings command), 12.0+ */
EAS_PAGE(18, Settings, "Settings")
EAS_TAG(Settings, 0x05, Settings, 0)
EAS_TAG(Settings, 0x06, Status, 0)
EAS_TAG(Settings, 0x07, Get, 0)
EAS_TAG(Settings, 0x08, Set, 0)
EAS_TAG(Settings, 0x09, Oof, 0)
EAS_TAG(Settings, 0x0A, OofState, 0)
EAS_TAG(Settings, 0x0B, StartTime, 0)
EAS_TAG(Settings, 0x0C, EndTime, 0)
EAS_TAG(Settings, 0x0D, OofMessage, 0)
EAS_TAG(Settings, 0x0E, AppliesToInternal, 0)
EAS_TAG(Settings, 0x0F, AppliesToExternalKnown, 0)
EAS_TAG(Settings, 0x10, AppliesToExternalUnknown, 0)
EAS_TAG(Settings, 0x11, Enabled, 0)
EAS_TAG(Settings, 0x12, ReplyMessage, EAS_TF_BODY)      /* out-of-office text */
EAS_TAG(Settings, 0x13, BodyType, 0)
EAS_TAG(Settings, 0x14, DevicePassword, 0)
EAS_TAG(Settings, 0x15, Password, EAS_TF_SECRET)        /* the device password */
EAS_TAG(Settings, 0x16, DeviceInformation, 0)
EAS_TAG(Settings, 0x17, Model, 0)
EAS_TAG(Settings, 0x18, IMEI, 0)
EAS_TAG(Settings, 0x19, FriendlyName, 0)
EAS_TAG(Settings, 0x1A, OS, 0)
EAS_TAG(Settings, 0x1B, OSLanguage, 0)
EAS_TAG(Settings, 0x1C, PhoneNumber, 0)
EAS_TAG(Settings, 0x1D, UserInformation, 0)
EAS_TAG(Settings, 0x1E, EmailAddresses, 0)
EAS_TAG(Settings, 0x1F, SMTPAddress, 0)
EAS_TAG(Settings, 0x20, UserAgent, 0)                   /* 12.1+ */
EAS_TAG(Settings, 0x21, EnableOutboundSMS, 0)           /* 14.0+ */
EAS_TAG(Settings, 0x22, MobileOperator, 0)              /* 14.0+ */
EAS_TAG(Settings, 0x23, PrimarySmtpAddress, 0)          /* 14.1+ */
EAS_TAG(Settings, 0x24, Accounts, 0)                    /* 14.1+ */
EAS_TAG(Settings, 0x25, Account, 0)                     /* 14.1+ */
EAS_TAG(Settings, 0x26, AccountId, 0)                   /* 14.1+ */
EAS_TAG(Settings, 0x27, AccountName, 0)                 /* 14.1+ */
EAS_TAG(Settings, 0x28, UserDisplayName, 0)             /* 14.1+ */
EAS_TAG(Settings, 0x29, SendDisabled, 0)                /* 14.1+ */
EAS_TAG(Settings, 0x2B, RightsManagementInformation, 0) /* 14.1+ */

/* Code page 19: DocumentLibrary (MS-ASDOC document properties), 12.0+ */
EAS_PAGE(19, DocumentLibrary, "DocumentLibrary")
EAS_TAG(DocumentLibrary, 0x05, LinkId, 0)
EAS_TAG(DocumentLibrary, 0x06, DisplayName, 0)
EAS_TAG(DocumentLibrary, 0x07, IsFolder, 0)
EAS_TAG(DocumentLibrary, 0x08, CreationDate, 0)
EAS_TAG(DocumentLibrary, 0x09, LastModifiedDate, 0)
EAS_TAG(DocumentLibrary, 0x0A, IsHidden, 0)
EAS_TAG(DocumentLibrary, 0x0B, ContentLength, 0)
EAS_TAG(DocumentLibrary, 0x0C, ContentType, 0)

/* Code page 20: ItemOperations (ItemOperations command), 12.0+ */
EAS_PAGE(20, ItemOperations, "ItemOperations")
EAS_TAG(ItemOperations, 0x05, ItemOperations, 0)
EAS_TAG(ItemOperations, 0x06, Fetch, 0)
EAS_TAG(ItemOperations, 0x07, Store, 0)
EAS_TAG(ItemOperations, 0x08, Options, 0)
EAS_TAG(ItemOperations, 0x09, Range, 0)
EAS_TAG(ItemOperations, 0x0A, Total, 0)
EAS_TAG(ItemOperations, 0x0B, Properties, 0)
/* A base64 string inline; multipart responses carry Part instead. */
EAS_TAG(ItemOperations, 0x0C, Data, EAS_TF_BODY)
EAS_TAG(ItemOperations, 0x0D, Status, 0)
EAS_TAG(ItemOperations, 0x0E, Response, 0)
EAS_TAG(ItemOperations, 0x0F, Version, 0)
EAS_TAG(ItemOperations, 0x10, Schema, 0)
EAS_TAG(ItemOperations, 0x11, Part, 0)
EAS_TAG(ItemOperations, 0x12, EmptyFolderContents, 0)
EAS_TAG(ItemOperations, 0x13, DeleteSubFolders, 0)
EAS_TAG(ItemOperations, 0x14, UserName, 0)              /* 12.1+ */
EAS_TAG(ItemOperations, 0x15, Password, EAS_TF_SECRET)  /* 12.1+ */
EAS_TAG(ItemOperations, 0x16, Move, 0)                  /* 14.0+ */
EAS_TAG(ItemOperations, 0x17, DstFldId, 0)              /* 14.0+ */
EAS_TAG(ItemOperations, 0x18, ConversationId, EAS_TF_OPAQUE) /* 14.0+ */
EAS_TAG(ItemOperations, 0x19, MoveAlways, 0)            /* 14.0+ */

/* Code page 21: ComposeMail (SendMail, SmartReply, SmartForward), 14.0+ */
EAS_PAGE(21, ComposeMail, "ComposeMail")
EAS_TAG(ComposeMail, 0x05, SendMail, 0)
EAS_TAG(ComposeMail, 0x06, SmartForward, 0)
EAS_TAG(ComposeMail, 0x07, SmartReply, 0)
EAS_TAG(ComposeMail, 0x08, SaveInSentItems, 0)
EAS_TAG(ComposeMail, 0x09, ReplaceMime, 0)
EAS_TAG(ComposeMail, 0x0B, Source, 0)
EAS_TAG(ComposeMail, 0x0C, FolderId, 0)
EAS_TAG(ComposeMail, 0x0D, ItemId, 0)
EAS_TAG(ComposeMail, 0x0E, LongId, 0)
EAS_TAG(ComposeMail, 0x0F, InstanceId, 0)
EAS_TAG(ComposeMail, 0x10, Mime, EAS_TF_BODY | EAS_TF_OPAQUE)
EAS_TAG(ComposeMail, 0x11, ClientId, 0)
EAS_TAG(ComposeMail, 0x12, Status, 0)
EAS_TAG(ComposeMail, 0x13, AccountId, 0)                /* 14.1+ */
EAS_TAG(ComposeMail, 0x15, Forwardees, 0)               /* 16.0+ */
EAS_TAG(ComposeMail, 0x16, Forwardee, 0)                /* 16.0+ */
EAS_TAG(ComposeMail, 0x17, Name, 0)                     /* 16.0+, of a Forwardee */
EAS_TAG(ComposeMail, 0x18, Email, 0)                    /* 16.0+, of a Forwardee */

/* Code page 22: Email2 (MS-ASEMAIL properties added in 14.0), 14.0+ */
EAS_PAGE(22, Email2, "Email2")
EAS_TAG(Email2, 0x05, UmCallerID, 0)
EAS_TAG(Email2, 0x06, UmUserNotes, EAS_TF_BODY)
EAS_TAG(Email2, 0x07, UmAttDuration, 0)
EAS_TAG(Email2, 0x08, UmAttOrder, 0)
EAS_TAG(Email2, 0x09, ConversationId, EAS_TF_OPAQUE)
EAS_TAG(Email2, 0x0A, ConversationIndex, EAS_TF_OPAQUE)
EAS_TAG(Email2, 0x0B, LastVerbExecuted, 0)
EAS_TAG(Email2, 0x0C, LastVerbExecutionTime, 0)
EAS_TAG(Email2, 0x0D, ReceivedAsBcc, 0)
EAS_TAG(Email2, 0x0E, Sender, 0)
EAS_TAG(Email2, 0x0F, CalendarType, 0)
EAS_TAG(Email2, 0x10, IsLeapMonth, 0)
EAS_TAG(Email2, 0x11, AccountId, 0)                     /* 14.1+ */
EAS_TAG(Email2, 0x12, FirstDayOfWeek, 0)                /* 14.1+ */
EAS_TAG(Email2, 0x13, MeetingMessageType, 0)            /* 14.1+ */
EAS_TAG(Email2, 0x15, IsDraft, 0)                       /* 16.0+ */
EAS_TAG(Email2, 0x16, Bcc, 0)                           /* 16.0+ */
EAS_TAG(Email2, 0x17, Send, 0)                          /* 16.0+ */

/* Code page 23: Notes (MS-ASNOTE; the note text is airsyncbase:Body), 14.0+ */
EAS_PAGE(23, Notes, "Notes")
EAS_TAG(Notes, 0x05, Subject, 0)
EAS_TAG(Notes, 0x06, MessageClass, 0)
EAS_TAG(Notes, 0x07, LastModifiedDate, 0)
EAS_TAG(Notes, 0x08, Categories, 0)
EAS_TAG(Notes, 0x09, Category, 0)

/* Code page 24: RightsManagement (MS-ASRM IRM), 14.1+ */
EAS_PAGE(24, RightsManagement, "RightsManagement")
EAS_TAG(RightsManagement, 0x05, RightsManagementSupport, 0)
EAS_TAG(RightsManagement, 0x06, RightsManagementTemplates, 0)
EAS_TAG(RightsManagement, 0x07, RightsManagementTemplate, 0)
EAS_TAG(RightsManagement, 0x08, RightsManagementLicense, 0)
EAS_TAG(RightsManagement, 0x09, EditAllowed, 0)
EAS_TAG(RightsManagement, 0x0A, ReplyAllowed, 0)
EAS_TAG(RightsManagement, 0x0B, ReplyAllAllowed, 0)
EAS_TAG(RightsManagement, 0x0C, ForwardAllowed, 0)
EAS_TAG(RightsManagement, 0x0D, ModifyRecipientsAllowed, 0)
EAS_TAG(RightsManagement, 0x0E, ExtractAllowed, 0)
EAS_TAG(RightsManagement, 0x0F, PrintAllowed, 0)
EAS_TAG(RightsManagement, 0x10, ExportAllowed, 0)
EAS_TAG(RightsManagement, 0x11, ProgrammaticAccessAllowed, 0)
EAS_TAG(RightsManagement, 0x12, Owner, 0)
EAS_TAG(RightsManagement, 0x13, ContentExpiryDate, 0)
EAS_TAG(RightsManagement, 0x14, TemplateID, 0)
EAS_TAG(RightsManagement, 0x15, TemplateName, 0)
EAS_TAG(RightsManagement, 0x16, TemplateDescription, 0)
EAS_TAG(RightsManagement, 0x17, ContentOwner, 0)
EAS_TAG(RightsManagement, 0x18, RemoveRightsManagementProtection, 0)

/*
 * Code page 25: Find (MS-ASCMD Find command), 16.1 only.  Tokens 0x0F,
 * 0x10 and 0x1A-0x1F are unassigned.  MS-ASWBXML spells 0x19
 * "GalSearchCriterion"; MS-ASCMD and its schema say GALSearchCriterion,
 * which is what clients' XML and the command code use.
 */
EAS_PAGE(25, Find, "Find")
EAS_TAG(Find, 0x05, Find, 0)
EAS_TAG(Find, 0x06, SearchId, 0)
EAS_TAG(Find, 0x07, ExecuteSearch, 0)
EAS_TAG(Find, 0x08, MailBoxSearchCriterion, 0)
EAS_TAG(Find, 0x09, Query, 0)
EAS_TAG(Find, 0x0A, Status, 0)
EAS_TAG(Find, 0x0B, FreeText, 0)
EAS_TAG(Find, 0x0C, Options, 0)
EAS_TAG(Find, 0x0D, Range, 0)
EAS_TAG(Find, 0x0E, DeepTraversal, 0)
EAS_TAG(Find, 0x11, Response, 0)
EAS_TAG(Find, 0x12, Result, 0)
EAS_TAG(Find, 0x13, Properties, 0)
EAS_TAG(Find, 0x14, Preview, EAS_TF_BODY)               /* start of the body */
EAS_TAG(Find, 0x15, HasAttachments, 0)
EAS_TAG(Find, 0x16, Total, 0)
EAS_TAG(Find, 0x17, DisplayCc, 0)
EAS_TAG(Find, 0x18, DisplayBcc, 0)
EAS_TAG(Find, 0x19, GALSearchCriterion, 0)
EAS_TAG(Find, 0x20, MaxPictures, 0)
EAS_TAG(Find, 0x21, MaxSize, 0)
EAS_TAG(Find, 0x22, Picture, 0)
